/**
 * Karbor's fault body (`karbor.api.openstack.wsgi.Fault`): `{"<faultName>": {"code", "message"}}`,
 * the name chosen by the HTTP status. python-karborclient reads the first value's `message`.
 */
const FAULT_NAMES: Readonly<Record<number, string>> = {
  400: 'badRequest',
  401: 'unauthorized',
  403: 'forbidden',
  404: 'itemNotFound',
  405: 'badMethod',
  409: 'conflictingRequest',
  413: 'overLimit',
  415: 'badMediaType',
  501: 'notImplemented',
  503: 'serviceUnavailable',
};

/** The fault body Karbor sends for `status`. */
export function faultBody(
  status: number,
  message: string,
): Record<string, { code: number; message: string }> {
  return { [FAULT_NAMES[status] ?? 'computeFault']: { code: status, message } };
}

/** An error the API answers with a Karbor fault (status and message are the client's to see). */
export class ApiFault extends Error {
  override readonly name = 'ApiFault';

  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/** 400, Karbor's `InvalidInput`. */
export const invalidInput = (reason: string): ApiFault =>
  new ApiFault(400, `Invalid input received: ${reason}`);
