import { mkdtemp, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { ApiFault } from '../faults.js';
import { DEFAULT_POLICIES, Policy, readPolicyFile } from './policy.js';
import { ROUTE_POLICIES } from './routePolicies.js';

const member = { userId: 'u1', projectId: 'p1', roles: ['member'], isAdmin: false, isAdminProject: true };
const admin = { ...member, roles: ['admin'], isAdmin: true };

describe('Policy (Karbor defaults)', () => {
  const policy = new Policy();

  it('lets an owner do what admin_or_owner guards on its own project, and not on another', () => {
    expect(policy.allows('plan:get_all', member)).toBe(true);
    expect(policy.allows('plan:get', member, { project_id: 'p2' })).toBe(false);
    expect(policy.allows('plan:get', admin, { project_id: 'p2' })).toBe(true);
  });

  it('keeps admin_api rules for admins: quota updates and services', () => {
    for (const rule of [
      'quota:update',
      'quota:delete',
      'quota_class:update',
      'service:get_all',
      'service:update',
    ]) {
      expect(policy.allows(rule, member)).toBe(false);
      expect(policy.allows(rule, admin)).toBe(true);
    }
    // role:admin without is_admin counts only in the admin project.
    const adminRoleElsewhere = { ...member, roles: ['admin'], isAdminProject: false };
    expect(policy.allows('quota:update', adminRoleElsewhere)).toBe(false);
    expect(policy.allows('quota:update', { ...adminRoleElsewhere, isAdminProject: true })).toBe(true);
  });

  it('names the rule in a 403', () => {
    expect(() => policy.enforce('service:get_all', member)).toThrow(
      new ApiFault(403, "Policy doesn't allow service:get_all to be performed."),
    );
  });

  it('has a default rule for every route', () => {
    for (const rule of Object.values(ROUTE_POLICIES)) expect(DEFAULT_POLICIES[rule], rule).toBeDefined();
  });

  it('evaluates not, parentheses, @ and !, roles case-insensitively, and an unknown rule as default', () => {
    const custom = new Policy({
      'plan:create': 'not role:reader and (role:Member or role:admin)',
      'plan:delete': '!',
      'plan:get': '@',
      default: 'role:admin',
    });
    expect(custom.allows('plan:create', member)).toBe(true);
    expect(custom.allows('plan:create', { ...member, roles: ['member', 'reader'] })).toBe(false);
    expect(custom.allows('plan:delete', admin)).toBe(false);
    expect(custom.allows('plan:get', { ...member, projectId: 'x' }, { project_id: 'y' })).toBe(true);
    expect(custom.allows('no:such:rule', member)).toBe(false);
    expect(custom.allows('no:such:rule', admin)).toBe(true);
  });

  it('denies a rule that refers to itself instead of looping', () => {
    const looping = new Policy({ a: 'rule:b', b: 'rule:a or role:x' });
    expect(looping.allows('a', member)).toBe(false);
    expect(looping.allows('a', { ...member, roles: ['x'] })).toBe(true);
  });

  it('refuses a check string that does not parse, naming the rule', () => {
    expect(() => new Policy({ 'plan:get': 'role:admin or' }, 'policy.yaml')).toThrow(
      /policy.yaml: rule "plan:get"/,
    );
    expect(() => new Policy({ 'plan:get': '(role:admin' })).toThrow(/missing '\)'/);
    expect(() => new Policy({ 'plan:get': 'http://example.com' })).toThrow(/not supported/);
  });

  it('reads a YAML policy file and names the file and rule of a bad one', async () => {
    const dir = await mkdtemp(path.join(tmpdir(), 'hoard-policy-'));
    const good = path.join(dir, 'policy.yaml');
    await writeFile(good, '"plan:create": "role:admin"\n');
    const policy = await readPolicyFile(good);
    expect(policy.allows('plan:create', member)).toBe(false);
    expect(policy.allows('plan:get', member)).toBe(true);
    const bad = path.join(dir, 'bad.yaml');
    await writeFile(bad, '"plan:create": 3\n');
    await expect(readPolicyFile(bad)).rejects.toThrow(/bad.yaml: rule "plan:create" must be a check string/);
    await expect(readPolicyFile(path.join(dir, 'missing.yaml'))).rejects.toMatchObject({
      code: 'SERVER_CONFIG_INVALID',
    });
  });
});
