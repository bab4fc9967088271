/** Stable codes of the OpenStack client's errors. */
export type OpenStackErrorCode =
  | 'OPENSTACK_AUTH_FAILED'
  | 'OPENSTACK_CLOUD_NOT_FOUND'
  | 'OPENSTACK_CONFIG_INVALID'
  | 'OPENSTACK_ENDPOINT_NOT_FOUND'
  | 'OPENSTACK_REQUEST_FAILED'
  | 'OPENSTACK_RESOURCE_ERROR'
  | 'OPENSTACK_UNREACHABLE'
  | 'OPENSTACK_WAIT_TIMEOUT';

/**
 * An error of the OpenStack client.
 *
 * @remarks Messages name the service, method, URL path and status, never a token or password.
 * The shape (`code`, `toJSON`) matches `@hoard/core`'s errors, so Hoard reports it the same way;
 * this package does not depend on core (the Swift bank and plugins do).
 */
export class OpenStackError extends Error {
  readonly code: OpenStackErrorCode;
  /** HTTP status, when the error is an HTTP answer. */
  readonly status?: number;
  readonly details?: Record<string, unknown>;

  constructor(
    code: OpenStackErrorCode,
    message: string,
    options: { status?: number; details?: Record<string, unknown>; cause?: unknown } = {},
  ) {
    super(message, options.cause !== undefined ? { cause: options.cause } : undefined);
    this.name = 'OpenStackError';
    this.code = code;
    if (options.status !== undefined) this.status = options.status;
    if (options.details !== undefined) this.details = options.details;
  }

  toJSON(): { code: string; message: string; status?: number; details?: Record<string, unknown> } {
    return {
      code: this.code,
      message: this.message,
      ...(this.status !== undefined ? { status: this.status } : {}),
      ...(this.details !== undefined ? { details: this.details } : {}),
    };
  }
}
