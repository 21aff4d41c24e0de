#!/usr/bin/env node
// Checks openapi.json before types are generated from it: every `$ref` to a component schema
// must exist. openapi-typescript only says "Can't resolve $ref"; this names the schema and where
// it is used, which points at the backend (a type used only in query parameters through
// `IntoParams` is not collected by utoipa unless registered or marked `#[param(inline)]`).
import { readFileSync } from 'node:fs'

const file = process.argv[2] ?? 'openapi.json'
const doc = JSON.parse(readFileSync(file, 'utf8'))
const schemas = new Set(Object.keys(doc.components?.schemas ?? {}))
const dangling = new Map()

function walk(node, path) {
  if (Array.isArray(node)) return node.forEach((v, i) => walk(v, `${path}/${i}`))
  if (!node || typeof node !== 'object') return
  const ref = node.$ref
  if (typeof ref === 'string' && ref.startsWith('#/components/schemas/')) {
    const name = ref.slice('#/components/schemas/'.length)
    if (!schemas.has(name)) dangling.set(name, [...(dangling.get(name) ?? []), path])
  }
  for (const [k, v] of Object.entries(node)) walk(v, `${path}/${k.replace(/~/g, '~0').replace(/\//g, '~1')}`)
}
walk(doc, '#')

if (dangling.size) {
  console.error(`\n${file}: references to schemas that the document does not define:`)
  for (const [name, paths] of dangling) console.error(`  ${name}  (used at ${paths.join(', ')})`)
  console.error('\nThe backend must emit these schemas (register them in the OpenAPI components, or inline them).\n')
  process.exit(1)
}
