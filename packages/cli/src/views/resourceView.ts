import { type Resource, resourceKey } from '@hoard/core';

export function resourceRows(resources: Resource[]): string[][] {
  return [['KEY', 'NAME'], ...resources.map((r) => [resourceKey(r), r.name])];
}
