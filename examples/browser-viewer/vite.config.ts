import { defaultClientConditions, defineConfig } from 'vite'

export default defineConfig({
  // `hamt-source` serves the workspace packages' TypeScript sources, as in tests; `browser` (among
  // the defaults) gives @hamt/core's pure-JavaScript BLAKE3 instead of the Node WebAssembly one.
  resolve: { conditions: ['hamt-source', ...defaultClientConditions] },
  server: { host: '127.0.0.1' },
  preview: { host: '127.0.0.1' },
  // zarrita's zstd and blosc codecs carry their WebAssembly inline; they load only when a dataset uses them.
  build: { target: 'es2022', chunkSizeWarningLimit: 1000 },
})
