import { documentHash } from './trusted-documents';

/** One operation of an Apollo persisted-query manifest. */
export interface ManifestOperation {
  /** The SHA-256 of `body`, which clients send as the hash. */
  id: string;
  name: string;
  type: string;
  body: string;
}

export class ManifestError extends Error {}

/**
 * Reads Apollo's persisted-query manifest format, as `@apollo/generate-persisted-query-manifest`
 * writes it:
 * `{"format":"apollo-persisted-query-manifest","version":1,"operations":[{"id","name","type","body"}]}`.
 * Every `id` must be the SHA-256 of its `body` (the tool's default): the hub keys documents by
 * that hash, so a client sending another id would never find its document.
 */
export function parseManifest(text: string): ManifestOperation[] {
  let manifest: unknown;
  try {
    manifest = JSON.parse(text);
  } catch (error) {
    throw new ManifestError(`the manifest is not JSON: ${(error as Error).message}`);
  }
  const { format, version, operations } = (manifest ?? {}) as Record<string, unknown>;
  if (format !== 'apollo-persisted-query-manifest') {
    throw new ManifestError(
      `format must be "apollo-persisted-query-manifest", got ${JSON.stringify(format)}`,
    );
  }
  if (version !== 1) throw new ManifestError(`version must be 1, got ${JSON.stringify(version)}`);
  if (!Array.isArray(operations)) throw new ManifestError('operations must be a list');
  return operations.map((operation: unknown, i) => {
    const { id, name, type, body } = (operation ?? {}) as Record<string, unknown>;
    const where = `operations[${i}]`;
    if (typeof body !== 'string' || !body.trim()) {
      throw new ManifestError(`${where}.body must be the document's text`);
    }
    if (typeof id !== 'string' || id.toLowerCase() !== documentHash(body)) {
      throw new ManifestError(
        `${where}.id must be the SHA-256 of its body (${documentHash(body)}), got ${JSON.stringify(id)}`,
      );
    }
    if (typeof name !== 'string') throw new ManifestError(`${where}.name must be text`);
    if (!['query', 'mutation', 'subscription'].includes(type as string)) {
      throw new ManifestError(`${where}.type must be query, mutation or subscription`);
    }
    return { id: id.toLowerCase(), name, type: type as string, body };
  });
}
