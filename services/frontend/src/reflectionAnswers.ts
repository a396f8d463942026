import { toBinary, type DescFile, type FileRegistry } from '@bufbuild/protobuf';
import { FileDescriptorProtoSchema } from '@bufbuild/protobuf/wkt';
import { Status } from 'nice-grpc';
import type { ServerReflectionRequest, ServerReflectionResponse } from '@kairos/proto/grpc/reflection/v1/reflection';
import { publicApiRegistry } from './publicApiRegistry';

/** The answer to one reflection request, from the public API's descriptors. */
export function answerReflection(serviceNames: readonly string[], request: ServerReflectionRequest): ServerReflectionResponse {
  return answer(publicApiRegistry(), serviceNames, request);
}

function answer(registry: FileRegistry, serviceNames: readonly string[], request: ServerReflectionRequest): ServerReflectionResponse {
  const base = { validHost: request.host, originalRequest: request };
  const notFound = (what: string): ServerReflectionResponse => ({ ...base, errorResponse: { errorCode: Status.NOT_FOUND, errorMessage: `${what} not found` } });
  const files = (file: DescFile | undefined, what: string): ServerReflectionResponse =>
    file ? { ...base, fileDescriptorResponse: { fileDescriptorProto: withImports(file).map((f) => toBinary(FileDescriptorProtoSchema, f.proto)) } } : notFound(what);

  if (request.listServices !== undefined) {
    return { ...base, listServicesResponse: { service: serviceNames.map((name) => ({ name })) } };
  }
  if (request.fileByFilename !== undefined) return files(registry.getFile(request.fileByFilename), `file ${request.fileByFilename}`);
  if (request.fileContainingSymbol !== undefined) {
    const symbol = request.fileContainingSymbol;
    return files(fileDeclaring(registry, symbol), `symbol ${symbol}`);
  }
  if (request.fileContainingExtension !== undefined) {
    const { containingType, extensionNumber } = request.fileContainingExtension;
    const message = registry.getMessage(containingType);
    const extension = message && registry.getExtensionFor(message, extensionNumber);
    return files(extension?.file, `extension ${containingType}(${extensionNumber})`);
  }
  if (request.allExtensionNumbersOfType !== undefined) {
    const typeName = request.allExtensionNumbersOfType;
    const message = registry.getMessage(typeName);
    if (!message) return notFound(`type ${typeName}`);
    const numbers = [...registry].flatMap((desc) => (desc.kind === 'extension' && desc.extendee.typeName === typeName ? [desc.number] : []));
    return { ...base, allExtensionNumbersResponse: { baseTypeName: typeName, extensionNumber: numbers } };
  }
  return { ...base, errorResponse: { errorCode: Status.UNIMPLEMENTED, errorMessage: 'unknown reflection request' } };
}

/** The file declaring a type, service, method, field or enum value named `pkg.Name[.member]`. */
function fileDeclaring(registry: FileRegistry, symbol: string): DescFile | undefined {
  const direct = registry.get(symbol);
  if (direct) return direct.file;
  // A member (method, field, enum value): look its parent up.
  const dot = symbol.lastIndexOf('.');
  if (dot < 0) return undefined;
  const parent = registry.get(symbol.slice(0, dot));
  const member = symbol.slice(dot + 1);
  if (parent?.kind === 'service' && parent.methods.some((m) => m.name === member)) return parent.file;
  if (parent?.kind === 'message' && parent.fields.some((f) => f.name === member)) return parent.file;
  if (parent?.kind === 'enum' && parent.values.some((v) => v.name === member)) return parent.file;
  return undefined;
}

/** A file and everything it imports, itself first (a client needs them all to build its descriptors). */
function withImports(file: DescFile): DescFile[] {
  const seen = new Map<string, DescFile>();
  const visit = (f: DescFile) => {
    if (seen.has(f.name)) return;
    seen.set(f.name, f);
    f.dependencies.forEach(visit);
  };
  visit(file);
  return [...seen.values()];
}
