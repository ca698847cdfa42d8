import react from "@vitejs/plugin-react";
import { defineConfig } from "vitest/config";

// `npm run dev` proxies the API of a running `hubbub up` (HUBBUB_API, default :8000).
const api = process.env.HUBBUB_API ?? "http://127.0.0.1:8000";

export default defineConfig({
  plugins: [react()],
  build: {
    outDir: "dist",
    emptyOutDir: true,
    chunkSizeWarningLimit: 800,
    rolldownOptions: {
      output: {
        // the charts library changes less often than the app: a chunk of its own caches well
        codeSplitting: {
          groups: [{ name: "echarts", test: /node_modules[\\/](echarts|zrender)/ }],
        },
      },
    },
  },
  server: { proxy: { "/api": { target: api, changeOrigin: true } } },
  test: { include: ["src/**/*.test.ts"], environment: "node" },
});
