import { createFileRegistry, fromBinary, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorSetSchema } from '@bufbuild/protobuf/wkt';
import { PUBLIC_API_DESCRIPTOR_SET_BASE64 } from '@kairos/proto/publicApiDescriptorSet';

let cached: FileRegistry | undefined;

/**
 * The descriptors of the public services and everything they import (the set `@kairos/proto`
 * generates with the protos): server reflection answers from it, and the HTTP API reads its routes
 * (`google.api.http`) and renders proto3 JSON with it. Decoded once, on first use.
 */
export function publicApiRegistry(): FileRegistry {
  cached ??= createFileRegistry(fromBinary(FileDescriptorSetSchema, Buffer.from(PUBLIC_API_DESCRIPTOR_SET_BASE64, 'base64')));
  return cached;
}
