/**
 * The protobuf schema of the run store (nas.proto), loaded once at run time with protobufjs.
 */
import { fileURLToPath } from 'node:url';
import protobuf from 'protobufjs';

/** Path of the .proto file shipped with the package. */
export const NAS_PROTO_FILE = fileURLToPath(new URL('./nas.proto', import.meta.url));

let cached: protobuf.Root | undefined;

/** The parsed schema (cached). Look types up with `protoRoot().lookupType('nas.v1.Genome')`. */
export function protoRoot(): protobuf.Root {
  cached ??= protobuf.loadSync(NAS_PROTO_FILE);
  return cached;
}

/** A message type of the `nas.v1` package, e.g. `protoType('Genome')`. */
export function protoType(name: string): protobuf.Type {
  return protoRoot().lookupType(`nas.v1.${name}`);
}

/** An enum of the `nas.v1` package, e.g. `protoEnum('NasnetOp')`. */
export function protoEnum(name: string): protobuf.Enum {
  return protoRoot().lookupEnum(`nas.v1.${name}`);
}
