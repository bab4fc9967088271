import { HoardError } from '../errors/HoardError.js';
import { compileFlow } from '../flow/compileFlow.js';
import type { Flow } from '../flow/Flow.js';
import { buildResourceGraph } from '../graph/buildResourceGraph.js';
import type { ResourceGraph } from '../graph/ResourceGraph.js';
import { silentLogger } from '../logging/createLogger.js';
import type { Caller } from '../plugin-api/Caller.js';
import { type JsonObject, type Logger, type Resource, resourceKey } from '../plugin-api/types.js';
import type { LoadedProtectionPlugin, Provider } from '../provider/Provider.js';
import { type ParametersDocument, redactParameters, resolveParameters } from './resolveParameters.js';

/** What planning a protect needs: no bank. */
export interface PlanOptions {
  /** The resources to protect; their dependencies are discovered. */
  resources: Resource[];
  /** Parameters in Karbor's format (docs/protocol.md, "Parameters"). */
  parameters?: ParametersDocument;
  /** Name of the parameters file, for messages. */
  parametersFile?: string;
  /** Cancels the discovery of dependencies. */
  signal?: AbortSignal;
  /** Who the protect runs for, when a host acts for a caller (see {@link Caller}). */
  caller?: Caller;
}

/** What a protect would do (a dry run). */
export interface ProtectPlan {
  graph: ResourceGraph;
  flow: Flow;
  /** Each resource's validated parameters, secrets redacted. */
  parameters: Record<string, JsonObject>;
}

/** The protection plugin of a resource type in a provider. */
export function pluginFor(provider: Provider, type: string): LoadedProtectionPlugin {
  const plugin = provider.pluginByType.get(type);
  if (plugin === undefined) {
    throw new HoardError(
      'PROTECTION_PLUGIN_NOT_FOUND',
      `No protection plugin of provider '${provider.name}' protects resources of type '${type}'`,
      { details: { type } },
    );
  }
  return plugin;
}

/** Checks that every resource of a graph has a protection plugin in the provider. */
export function assertPluginsFor(provider: Provider, graph: ResourceGraph): void {
  const missing = [...new Set(graph.resources.map((r) => r.type))].filter(
    (t) => !provider.pluginByType.has(t),
  );
  if (missing.length > 0) {
    throw new HoardError(
      'PROTECTION_PLUGIN_NOT_FOUND',
      `No protection plugin of provider '${provider.name}' protects resources of type ${missing.map((t) => `'${t}'`).join(', ')}`,
      { details: { types: missing } },
    );
  }
}

/** A plan and each resource's parameters as the hooks will see them (secrets included). */
export interface PreparedProtect {
  plan: ProtectPlan;
  /** Validated parameters by graph node index. */
  resolvedParameters: JsonObject[];
}

/** Plans a protect and keeps the resolved parameters for running it (internal to core). */
export async function prepareProtect(
  provider: Provider,
  options: PlanOptions,
  logger: Logger = silentLogger,
): Promise<PreparedProtect> {
  const graph = await buildResourceGraph(options.resources, provider.protectables, {
    config: provider.config,
    signal: options.signal ?? new AbortController().signal,
    logger,
    ...(options.caller !== undefined ? { caller: options.caller } : {}),
  });
  assertPluginsFor(provider, graph);
  const resolvedParameters = resolveParameters(
    graph,
    (type) => pluginFor(provider, type),
    'protect',
    options.parameters ?? {},
    options.parametersFile,
  );
  const parameters = Object.fromEntries(
    graph.resources.map((r, i) => [
      resourceKey(r),
      redactParameters({ [r.type]: resolvedParameters[i]! }, (t) => provider.pluginByType.get(t), 'protect')[
        r.type
      ] as JsonObject,
    ]),
  );
  return { plan: { graph, flow: compileFlow(graph, 'protect'), parameters }, resolvedParameters };
}

/**
 * Plans a protect without opening the bank: discovers the dependencies of the selected resources,
 * validates every resource's parameters and compiles the flow (what `hoard protect --dry-run`
 * shows).
 *
 * @throws `RESOURCE_NOT_FOUND`, `PROTECTION_PLUGIN_NOT_FOUND`, `PARAMETERS_INVALID`, `RESOURCE_GRAPH_CYCLE`
 */
export async function planProtection(
  provider: Provider,
  options: PlanOptions,
  logger: Logger = silentLogger,
): Promise<ProtectPlan> {
  return (await prepareProtect(provider, options, logger)).plan;
}
