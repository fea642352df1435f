// The DMTF Redfish JSON schemas (test/fixtures/dmtf-redfish-schema/, draft-04 with Redfish's annotation keywords) as an
// Ajv validator that resolves every http://redfish.dmtf.org/schemas/v1/ $ref from those files, never the network; and
// which files a set of schemas needs (scripts/dmtf-redfish-schema.mjs copies that closure from a DMTF publication).
//
// One rule keeps the closure small: a link to another resource is checked as a link. The unversioned X.json defines
// X as anyOf [odata-v4 idRef, X.v1_0_N, X.v1_1_N, ...] (an expanded resource may be any version). Loading replaces
// the versioned alternatives (in memory; the files stay as DMTF publishes them) with "an object with @odata.id and
// @odata.type": a link is checked as a link, and a resource, linked or expanded, against its own @odata.type's schema
// (embeddedResources finds the expanded ones). Links into SNIA Swordfish's schemas (a Storage's Volumes), which DMTF
// does not publish, are checked as links the same way; their other types (a StorageController's SupportedRAIDTypes)
// are not checked, and our payloads carry none.
import { readdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import AjvDraft04, { type ValidateFunction } from 'ajv-draft-04';
import { PACKAGE_ROOT } from '../../cli/package-info.js';

// a CommonJS module: its class is the default export's `default`
const Ajv = AjvDraft04.default;
type Ajv = InstanceType<typeof Ajv>;

export const DMTF_SCHEMA_DIR = join(PACKAGE_ROOT, 'test', 'fixtures', 'dmtf-redfish-schema');
export const SCHEMA_BASE = 'http://redfish.dmtf.org/schemas/v1/';
/** What DMTF schemas name as their $schema (redfish-schema-v1.json, older ones a version of it): draft-04 plus the Redfish annotations. */
const isMetaSchema = (file: string) => file.startsWith('redfish-schema');
const ID_REF = `${SCHEMA_BASE}odata-v4.json#/definitions/idRef`;
const DRAFT_04 = 'http://json-schema.org/draft-04/schema#';
/** What a link may also be: the resource expanded (a SEL Entries collection's Members), checked against its own @odata.type by the caller (embeddedResources). */
const EXPANDED: Json = {
  type: 'object', properties: { '@odata.id': { type: 'string' }, '@odata.type': { type: 'string' } }, required: ['@odata.id', '@odata.type'],
};

type Json = null | boolean | number | string | Json[] | { [key: string]: Json };
type JsonObject = { [key: string]: Json };

const isObject = (v: Json | undefined): v is JsonObject => typeof v === 'object' && v !== null && !Array.isArray(v);

/** The schema file an @odata.type names: #Chassis.v1_15_0.Chassis is Chassis.v1_15_0.json, #ChassisCollection.ChassisCollection ChassisCollection.json. */
export function schemaFileOf(odataType: string): string | null {
  const m = /^#([A-Za-z0-9]+)(\.v\d+_\d+_\d+)?\.([A-Za-z0-9]+)$/.exec(odataType);
  return m ? `${m[1]}${m[2] ?? ''}.json` : null;
}

/** A copy of `schema` whose link anyOfs keep only what a link may be (see the header). */
export function withLinksOnly(schema: Json): Json {
  if (Array.isArray(schema)) return schema.map(withLinksOnly);
  if (!isObject(schema)) return schema;
  const out: JsonObject = {};
  for (const [key, value] of Object.entries(schema)) out[key] = withLinksOnly(value);
  if (typeof out.$ref === 'string' && out.$ref.startsWith(SWORDFISH_BASE)) {
    if (isSwordfishLink(out.$ref)) out.$ref = ID_REF;
    else delete out.$ref;
  }
  const anyOf = out.anyOf;
  if (Array.isArray(anyOf) && anyOf.some((a) => isObject(a) && a.$ref === ID_REF)) {
    const kept = anyOf.filter((a) => !(isObject(a) && typeof a.$ref === 'string' && a.$ref.startsWith(SCHEMA_BASE) && a.$ref !== ID_REF));
    out.anyOf = kept.length < anyOf.length ? [...kept, EXPANDED] : kept;
  }
  return out;
}

const SWORDFISH_BASE = 'http://redfish.dmtf.org/schemas/swordfish/v1/';

/** A link into SNIA Swordfish's schemas (Storage's Volumes, ...), which are not DMTF's to ship: .../X.json#/definitions/X. */
function isSwordfishLink(ref: string): boolean {
  const [file, name] = ref.slice(SWORDFISH_BASE.length).split('.json#/definitions/');
  return file === name;
}

/** Every $ref under `node`, as [file, JSON pointer] (a local ref names `file`). */
function refsUnder(node: Json, file: string, out: [string, string][] = []): [string, string][] {
  if (Array.isArray(node)) for (const v of node) refsUnder(v, file, out);
  if (!isObject(node)) return out;
  for (const [key, value] of Object.entries(node)) {
    if (key === '$ref' && typeof value === 'string') {
      const [where, pointer = ''] = value.split('#');
      if (where !== '' && !where.startsWith(SCHEMA_BASE)) throw new Error(`${file}: a $ref outside the Redfish schemas: ${value}`);
      out.push([where === '' ? file : where.slice(SCHEMA_BASE.length), pointer]);
    } else {
      refsUnder(value, file, out);
    }
  }
  return out;
}

function atPointer(schema: Json, pointer: string): Json {
  let node: Json | undefined = schema;
  for (const part of pointer.split('/').filter(Boolean)) node = isObject(node) ? node[part.replace(/~1/g, '/').replace(/~0/g, '~')] : undefined;
  if (node === undefined) throw new Error(`no ${pointer} in the schema`);
  return node;
}

/**
 * The files validating against `roots` needs: the roots, and each file a followed $ref reaches (links as links). Ajv
 * compiles a referenced file's own root $ref as well, so that is followed too; and the meta-schema each names.
 * `read` gives a file's schema.
 */
export function schemaClosure(roots: readonly string[], read: (file: string) => Json): Set<string> {
  const files = new Set<string>();
  const visited = new Set<string>();
  const schemas = new Map<string, Json>();
  const load = (file: string) => {
    let s = schemas.get(file);
    if (s === undefined) {
      s = withLinksOnly(read(file));
      schemas.set(file, s);
      files.add(file);
      if (isObject(s) && typeof s.$schema === 'string' && s.$schema.startsWith(SCHEMA_BASE)) files.add(s.$schema.slice(SCHEMA_BASE.length));
    }
    return s;
  };
  const queue: [string, string][] = roots.map((f) => [f, '']);
  while (queue.length > 0) {
    const [file, pointer] = queue.pop()!;
    if (visited.has(`${file}#${pointer}`)) continue;
    visited.add(`${file}#${pointer}`);
    const schema = load(file);
    if (!visited.has(`${file}#`)) queue.push([file, '']);
    const node = pointer === '' && isObject(schema) ? { $ref: schema.$ref ?? null } : atPointer(schema, pointer);
    queue.push(...refsUnder(node, file));
  }
  return files;
}

/** The Redfish annotation keywords (what a meta-schema defines): Ajv's strict mode knows them as annotations only. */
function annotationKeywords(meta: JsonObject): string[] {
  return [...Object.keys(meta.properties as JsonObject), ...Object.keys(meta.definitions as JsonObject)];
}

/**
 * `schema` named by its file's URL, in draft-04's `id` (DMTF writes draft-06's `$id`, not always the file's URL:
 * odata-v4.json says odata.v4_0_5.json), which is how the $refs name it.
 */
function withId(schema: JsonObject, file: string): JsonObject {
  const { $id: _published, ...rest } = schema;
  return { ...rest, id: `${SCHEMA_BASE}${file}` };
}

/** An Ajv (draft-04, strict) holding every schema in `dir`, each under its file's URL. */
export function dmtfAjv(dir = DMTF_SCHEMA_DIR): Ajv {
  const read = (file: string) => JSON.parse(readFileSync(join(dir, file), 'utf8')) as JsonObject;
  const files = readdirSync(dir).filter((f) => f.endsWith('.json'));
  // strict, but for what DMTF schemas do by design: properties that also match the patternProperties (@odata.id and the
  // @odata/@Redfish annotation pattern), union "type" lists (["string", "null"]), and "format" beside a type list
  // that allows more than strings (strictTypes)
  const ajv = new Ajv({ strict: true, allowMatchingProperties: true, allowUnionTypes: true, strictTypes: false, allErrors: true });
  const annotations = new Set<string>();
  for (const file of files.filter(isMetaSchema)) {
    const meta = read(file);
    // its own keywords are draft-04's; it is published as draft-07, which this Ajv does not hold
    ajv.addMetaSchema(withId({ ...meta, $schema: DRAFT_04 }, file));
    for (const k of annotationKeywords(meta)) annotations.add(k);
  }
  ajv.addVocabulary([...annotations].filter((k) => !ajv.getKeyword(k)));
  // formats the schemas use; the payload's own checks in the tests say more about their values
  ajv.addFormat('uri-reference', /^\S*$/);
  // older odata.v4_0_x says "uri" for @odata.id, which is a path (later ones say uri-reference): a reference too
  ajv.addFormat('uri', /^\S*$/);
  ajv.addFormat('date-time', /^\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?(Z|[+-]\d\d:\d\d)$/);
  for (const file of files.filter((f) => !isMetaSchema(f))) ajv.addSchema(withId(withLinksOnly(read(file)) as JsonObject, file));
  return ajv;
}

/** The resources expanded inside a payload (objects below its top with @odata.id and @odata.type), with their JSON path. */
export function embeddedResources(payload: unknown, path = ''): { path: string; resource: Record<string, unknown> }[] {
  if (Array.isArray(payload)) return payload.flatMap((v, i) => embeddedResources(v, `${path}/${i}`));
  if (payload === null || typeof payload !== 'object') return [];
  const own = path !== '' && '@odata.id' in payload && '@odata.type' in payload ? [{ path, resource: payload as Record<string, unknown> }] : [];
  return [...own, ...Object.entries(payload).flatMap(([k, v]) => embeddedResources(v, `${path}/${k}`))];
}

/** The validator of the resource `odataType` names, or null when no schema file here is named so. */
export function validatorOf(ajv: Ajv, odataType: string): ValidateFunction | null {
  const file = schemaFileOf(odataType);
  return file ? ajv.getSchema(`${SCHEMA_BASE}${file}`) ?? null : null;
}
