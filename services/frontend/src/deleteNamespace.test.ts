import { describe, expect, it } from 'vitest';
import { deletedNamespaceNames } from './deleteNamespace';

describe('deletedNamespaceNames', () => {
  it('is the name with "-deleted-" and the start of the id, longer when taken', () => {
    const names = deletedNamespaceNames('orders', 'cb3964b9-5081');
    expect(names.slice(0, 3)).toEqual(['orders-deleted-cb396', 'orders-deleted-cb3964', 'orders-deleted-cb3964b']);
    expect(names.at(-1)).toBe('orders-deleted-cb3964b9-5081');
  });

  it('keeps the name of a namespace deleted before', () => {
    expect(deletedNamespaceNames('orders-deleted-cb396', 'cb3964b9-5081')).toEqual(['orders-deleted-cb396']);
  });
});
