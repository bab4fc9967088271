import { readFile } from 'node:fs/promises';
import { HoardError } from '@hoard/core';
import { parse as parseYaml } from 'yaml';
import { ApiFault } from '../faults.js';
import type { RequestContext } from '../requestContext.js';

/**
 * Karbor's default policies (`karbor/policies/*.py` at fcca3935): every rule is
 * `rule:admin_or_owner` except quota and quota-class updates and deletes and the services API,
 * which are `rule:admin_api`.
 */
export const DEFAULT_POLICIES: Readonly<Record<string, string>> = {
  context_is_admin: 'role:admin',
  admin_or_owner: 'is_admin:True or (role:admin and is_admin_project:True) or project_id:%(project_id)s',
  default: 'rule:admin_or_owner',
  admin_api: 'is_admin:True or (role:admin and is_admin_project:True)',
  ...Object.fromEntries(
    [
      'plan:create',
      'plan:update',
      'plan:delete',
      'plan:get',
      'plan:get_all',
      'provider:get',
      'provider:get_all',
      'provider:checkpoint_get',
      'provider:checkpoint_get_all',
      'provider:checkpoint_create',
      'provider:checkpoint_delete',
      'provider:checkpoint_update',
      'restore:create',
      'restore:update',
      'restore:get',
      'restore:get_all',
      'protectable:get',
      'protectable:get_all',
      'protectable:instance_get',
      'protectable:instance_get_all',
      'verification:create',
      'verification:get',
      'verification:get_all',
      'quota:get',
      'quota:get_default',
      'quota_class:get',
      'trigger:create',
      'trigger:update',
      'trigger:delete',
      'trigger:get',
      'trigger:list',
      'scheduled_operation:create',
      'scheduled_operation:delete',
      'scheduled_operation:get',
      'scheduled_operation:list',
      'operation_log:get',
      'operation_log:list',
      'copy:create',
    ].map((name) => [name, 'rule:admin_or_owner']),
  ),
  ...Object.fromEntries(
    ['quota:update', 'quota:delete', 'quota_class:update', 'service:get_all', 'service:update'].map(
      (name) => [name, 'rule:admin_api'],
    ),
  ),
};

/** What a check is evaluated against: Karbor's `{project_id, user_id}` plus the object's fields. */
export type PolicyTarget = Readonly<Record<string, string | undefined>>;

type Check =
  | { kind: 'true' }
  | { kind: 'false' }
  | { kind: 'rule'; name: string }
  | { kind: 'match'; key: string; value: string }
  | { kind: 'not'; check: Check }
  | { kind: 'and' | 'or'; checks: Check[] };

/**
 * oslo.policy's check strings, evaluated as Karbor does: `rule:<name>`, `role:<name>`,
 * `<context attribute>:<literal or %(target key)s>` (`is_admin:True`, `project_id:%(project_id)s`),
 * `@` (always), `!` (never), `not`, `and`, `or` and parentheses; an empty string allows.
 *
 * @remarks Hand-written: no npm package implements oslo.policy's language, and Hoard needs
 * only the checks Karbor's rules and their usual overrides use (no `http:` checks, no generic
 * checks on nested target attributes).
 */
export class Policy {
  private readonly rules = new Map<string, Check>();

  /**
   * @param overrides - rules from the policy file, replacing the defaults of the same name
   * @param source - where the overrides came from, for messages
   * @throws `SERVER_CONFIG_INVALID` naming the rule whose check string does not parse
   */
  constructor(overrides: Readonly<Record<string, string>> = {}, source = 'the default policies') {
    for (const [name, text] of Object.entries({ ...DEFAULT_POLICIES, ...overrides })) {
      try {
        this.rules.set(name, parseCheck(text));
      } catch (error) {
        throw new HoardError(
          'SERVER_CONFIG_INVALID',
          `${source}: rule ${JSON.stringify(name)}: ${(error as Error).message}`,
          { path: name },
        );
      }
    }
  }

  /** Whether `context` may do what `rule` guards on `target` (default: the caller's own project). */
  allows(rule: string, context: PolicyContext, target?: PolicyTarget): boolean {
    const check = this.rules.get(rule) ?? this.rules.get('default');
    if (check === undefined) return false;
    const fullTarget = { project_id: context.projectId, user_id: context.userId, ...target };
    return this.evaluate(check, context, fullTarget, new Set([rule]));
  }

  /**
   * @throws 403 `forbidden`, Karbor's `PolicyNotAuthorized`, when `rule` does not allow it
   */
  enforce(rule: string, context: PolicyContext, target?: PolicyTarget): void {
    if (!this.allows(rule, context, target))
      throw new ApiFault(403, `Policy doesn't allow ${rule} to be performed.`);
  }

  private evaluate(check: Check, context: PolicyContext, target: PolicyTarget, seen: Set<string>): boolean {
    switch (check.kind) {
      case 'true':
        return true;
      case 'false':
        return false;
      case 'not':
        return !this.evaluate(check.check, context, target, seen);
      case 'and':
        return check.checks.every((c) => this.evaluate(c, context, target, seen));
      case 'or':
        return check.checks.some((c) => this.evaluate(c, context, target, seen));
      case 'rule': {
        const rule = this.rules.get(check.name);
        // A missing rule, or one that refers back to itself, denies (as oslo.policy does).
        if (rule === undefined || seen.has(check.name)) return false;
        return this.evaluate(rule, context, target, new Set([...seen, check.name]));
      }
      case 'match': {
        const expected = /^%\((\w+)\)s$/.exec(check.value);
        const wanted = expected ? target[expected[1]!] : check.value;
        if (wanted === undefined) return false;
        if (check.key === 'role')
          return context.roles.some((role) => role.toLowerCase() === wanted.toLowerCase());
        const actual = contextAttribute(context, check.key);
        return actual !== undefined && actual === wanted;
      }
    }
  }
}

/** What policies read of the caller. */
export type PolicyContext = Pick<
  RequestContext,
  'userId' | 'projectId' | 'roles' | 'isAdmin' | 'isAdminProject'
>;

/** A context attribute as oslo.policy compares it: its string form (`True`, `False`, ids). */
function contextAttribute(context: PolicyContext, key: string): string | undefined {
  switch (key) {
    case 'is_admin':
      return context.isAdmin ? 'True' : 'False';
    case 'is_admin_project':
      return context.isAdminProject ? 'True' : 'False';
    case 'project_id':
    case 'tenant':
    case 'tenant_id':
      return context.projectId;
    case 'user_id':
    case 'user':
      return context.userId;
    default:
      return undefined;
  }
}

/** Parses one check string (oslo.policy's `_parser`, reduced to what Karbor's rules use). */
function parseCheck(text: string): Check {
  // As oslo.policy: split on spaces, then peel parentheses off each word's ends only, so that
  // `project_id:%(project_id)s` stays whole.
  const tokens: string[] = [];
  for (const word of text.split(/\s+/).filter((t) => t !== '')) {
    let w = word;
    while (w.startsWith('(')) {
      tokens.push('(');
      w = w.slice(1);
    }
    let closing = 0;
    while (w.endsWith(')') && !/%\(\w+\)$/.test(w)) {
      closing++;
      w = w.slice(0, -1);
    }
    if (w !== '') tokens.push(w);
    for (let i = 0; i < closing; i++) tokens.push(')');
  }
  if (tokens.length === 0) return { kind: 'true' };
  let at = 0;
  const peek = () => tokens[at];
  const orExpression = (): Check => {
    const checks = [andExpression()];
    while (peek()?.toLowerCase() === 'or') {
      at++;
      checks.push(andExpression());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'or', checks };
  };
  const andExpression = (): Check => {
    const checks = [unary()];
    while (peek()?.toLowerCase() === 'and') {
      at++;
      checks.push(unary());
    }
    return checks.length === 1 ? checks[0]! : { kind: 'and', checks };
  };
  const unary = (): Check => {
    const token = tokens[at++];
    if (token === undefined) throw new Error(`unexpected end of ${JSON.stringify(text)}`);
    if (token.toLowerCase() === 'not') return { kind: 'not', check: unary() };
    if (token === '(') {
      const inner = orExpression();
      if (tokens[at++] !== ')') throw new Error(`missing ')' in ${JSON.stringify(text)}`);
      return inner;
    }
    if (token === '@') return { kind: 'true' };
    if (token === '!') return { kind: 'false' };
    const colon = token.indexOf(':');
    if (colon <= 0) throw new Error(`${JSON.stringify(token)} is not a check (expected kind:match)`);
    const key = token.slice(0, colon);
    const value = token.slice(colon + 1).replace(/^(['"])(.*)\1$/, '$2');
    if (key === 'rule') return { kind: 'rule', name: value };
    if (key === 'http' || key === 'https') throw new Error(`${key}: checks are not supported`);
    return { kind: 'match', key, value };
  };
  const check = orExpression();
  if (at !== tokens.length)
    throw new Error(`unexpected ${JSON.stringify(tokens[at])} in ${JSON.stringify(text)}`);
  return check;
}

/**
 * Reads a policy file (`[oslo_policy] policy_file`): YAML or JSON, a map of rule names to check
 * strings, as oslo.policy's are.
 *
 * @throws `SERVER_CONFIG_INVALID` naming the file and what is wrong in it
 */
export async function readPolicyFile(file: string): Promise<Policy> {
  let text: string;
  try {
    text = await readFile(file, 'utf8');
  } catch (error) {
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `policy file ${file} cannot be read: ${(error as Error).message}`,
      {
        file,
      },
    );
  }
  let parsed: unknown;
  try {
    parsed = parseYaml(text);
  } catch (error) {
    throw new HoardError('SERVER_CONFIG_INVALID', `policy file ${file}: ${(error as Error).message}`, {
      file,
    });
  }
  if (parsed === null || parsed === undefined) return new Policy({}, file);
  if (typeof parsed !== 'object' || Array.isArray(parsed))
    throw new HoardError(
      'SERVER_CONFIG_INVALID',
      `policy file ${file}: expected a map of rule names to check strings`,
      {
        file,
      },
    );
  const rules: Record<string, string> = {};
  for (const [name, value] of Object.entries(parsed)) {
    if (typeof value !== 'string')
      throw new HoardError(
        'SERVER_CONFIG_INVALID',
        `policy file ${file}: rule ${JSON.stringify(name)} must be a check string, got ${JSON.stringify(value)}`,
        { file, path: name },
      );
    rules[name] = value;
  }
  return new Policy(rules, file);
}
