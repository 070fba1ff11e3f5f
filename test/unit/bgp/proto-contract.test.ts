/**
 * The API contract: every message, field, enum value and RPC declared in our
 * proto/gobgp files must exist in the protos GoBGP 3.10 ships (Debian's
 * golang-github-osrg-gobgp-dev) with the same name, number, type, label and
 * streaming mode. Ours may declare less than upstream, never something else.
 */
import { existsSync } from 'node:fs';
import { join } from 'node:path';
import protobuf from 'protobufjs';
import { describe, expect, it } from 'vitest';
import { PROTO_DIR } from '../../../src/bgp/proto-files.js';
import { loadProtoRoot } from '../../../src/bgp/proto.js';

const UPSTREAM_DIR = '/usr/share/gocode/src/github.com/osrg/gobgp/api';

const load = loadProtoRoot;

function upstream(): protobuf.Root {
  if (!existsSync(join(UPSTREAM_DIR, 'gobgp.proto'))) {
    throw new Error(
      `GoBGP's protos are missing (${UPSTREAM_DIR}); install them with ` +
        '`apt-get install golang-github-osrg-gobgp-dev` or run ./scripts/setup',
    );
  }
  return load(UPSTREAM_DIR);
}

function* walk(ns: protobuf.NamespaceBase): Generator<protobuf.ReflectionObject> {
  for (const child of ns.nestedArray) {
    yield child;
    if (child instanceof protobuf.Namespace) yield* walk(child);
  }
}

function declarations(root: protobuf.Root): protobuf.ReflectionObject[] {
  return [...walk(root.lookup('apipb') as protobuf.Namespace)];
}

/** Every way `obj` differs from its namesake in `theirs`; empty when it matches. */
function differences(obj: protobuf.ReflectionObject, theirs: protobuf.Root): string[] {
  const out: string[] = [];
  const up = theirs.lookup(obj.fullName);
  if (!up) return [`${obj.fullName} is not in GoBGP`];
  if (obj instanceof protobuf.Type) {
    if (!(up instanceof protobuf.Type)) return [`${obj.fullName} is not a message in GoBGP`];
    for (const field of obj.fieldsArray) {
      const where = `${obj.fullName}.${field.name}`;
      const other = up.fields[field.name];
      if (!other) {
        out.push(`${where} is not in GoBGP`);
        continue;
      }
      if (other.id !== field.id) out.push(`${where}: number ${field.id}, GoBGP has ${other.id}`);
      if (other.repeated !== field.repeated) out.push(`${where}: repeated differs`);
      if (other.map !== field.map) out.push(`${where}: map differs`);
      if (typeName(other) !== typeName(field))
        out.push(`${where}: type ${typeName(field)}, GoBGP has ${typeName(other)}`);
      if (other.partOf?.name !== field.partOf?.name) out.push(`${where}: oneof differs`);
    }
  } else if (obj instanceof protobuf.Enum) {
    if (!(up instanceof protobuf.Enum)) return [`${obj.fullName} is not an enum in GoBGP`];
    for (const [name, value] of Object.entries(obj.values)) {
      if (up.values[name] !== value)
        out.push(`${obj.fullName}.${name}: ${value}, GoBGP has ${String(up.values[name])}`);
    }
  } else if (obj instanceof protobuf.Service) {
    if (!(up instanceof protobuf.Service)) return [`${obj.fullName} is not a service in GoBGP`];
    for (const method of obj.methodsArray) {
      const where = `rpc ${method.name}`;
      const other = up.methods[method.name];
      if (!other) {
        out.push(`${where} is not in GoBGP`);
        continue;
      }
      if (other.resolvedRequestType?.fullName !== method.resolvedRequestType?.fullName)
        out.push(`${where}: request type differs`);
      if (other.resolvedResponseType?.fullName !== method.resolvedResponseType?.fullName)
        out.push(`${where}: response type differs`);
      if (Boolean(other.requestStream) !== Boolean(method.requestStream))
        out.push(`${where}: client streaming differs`);
      if (Boolean(other.responseStream) !== Boolean(method.responseStream))
        out.push(`${where}: server streaming differs`);
    }
  }
  return out;
}

/** Scalar name, or the resolved message/enum's full name. */
function typeName(field: protobuf.Field): string {
  return field.resolvedType ? field.resolvedType.fullName : field.type;
}

describe('proto/gobgp matches GoBGP 3.10', () => {
  const theirs = upstream();
  const ours = load(PROTO_DIR);
  const declared = declarations(ours);

  it('declares the service and the messages anycastd uses', () => {
    const names = declared.map((o) => o.fullName);
    for (const name of ['.apipb.GobgpApi', '.apipb.Path', '.apipb.Peer', '.apipb.IPAddressPrefix'])
      expect(names).toContain(name);
    expect(declared.filter((o) => o instanceof protobuf.Type).length).toBeGreaterThan(40);
  });

  for (const obj of declared) {
    it(`${obj.constructor.name.toLowerCase()} ${obj.fullName}`, () => {
      expect(differences(obj, theirs)).toEqual([]);
    });
  }

  it('finds a renumbered field, a retyped field, a missing rpc and an unknown message', () => {
    const bad = load(PROTO_DIR);
    const path = bad.lookupType('apipb.Path');
    const withdraw = path.fields.is_withdraw;
    if (!withdraw) throw new Error('Path.is_withdraw missing from our proto');
    withdraw.id = 6;
    path.remove(path.fields.source_asn as protobuf.Field);
    path.add(new protobuf.Field('source_asn', 10, 'uint64'));
    const service = bad.lookupService('apipb.GobgpApi');
    service.add(new protobuf.Method('AddPaths', 'rpc', 'AddPathRequest', 'AddPathResponse'));
    (bad.lookup('apipb') as protobuf.Namespace).add(new protobuf.Type('NoSuchMessage'));
    bad.resolveAll();
    const found = declarations(bad).flatMap((o) => differences(o, theirs));
    expect(found).toEqual(
      expect.arrayContaining([
        '.apipb.Path.is_withdraw: number 6, GoBGP has 5',
        '.apipb.Path.source_asn: type uint64, GoBGP has uint32',
        'rpc AddPaths is not in GoBGP',
        '.apipb.NoSuchMessage is not in GoBGP',
      ]),
    );
  });
});
