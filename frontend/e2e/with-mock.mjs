#!/usr/bin/env node
// Runs the browser tests against the mock server on a free port: `npm run build` first.
import { spawn } from 'node:child_process'
import { existsSync } from 'node:fs'
import { fileURLToPath } from 'node:url'

const root = fileURLToPath(new URL('..', import.meta.url))
if (!existsSync(new URL('../dist/index.html', import.meta.url))) {
  console.error('No dist/ build: run `npm run build` first.')
  process.exit(1)
}

const mock = spawn(process.execPath, ['e2e/mock-server.mjs', '--port', '0', '--quiet'], { cwd: root, stdio: ['ignore', 'pipe', 'inherit'] })
const baseUrl = await new Promise((resolve, reject) => {
  let buf = ''
  const timer = setTimeout(() => reject(new Error('mock server did not start within 10 s')), 10_000)
  mock.stdout.on('data', (d) => {
    buf += d
    const m = buf.match(/listening on (http:\/\/\S+)/)
    if (m) {
      clearTimeout(timer)
      resolve(m[1])
    }
  })
  mock.on('exit', (code) => reject(new Error(`mock server exited with ${code}`)))
})

const tests = spawn(process.execPath, ['--test', '--test-concurrency=1', 'e2e/roles.test.mjs'], {
  cwd: root,
  stdio: 'inherit',
  env: { ...process.env, BANGFU_BASE_URL: baseUrl },
})
const code = await new Promise((resolve) => tests.on('exit', (c) => resolve(c ?? 1)))
mock.kill('SIGTERM')
process.exit(code)
