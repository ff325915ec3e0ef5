import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * A worker thread running the module at `module`: a compiled `.js` module as it is; a `.ts` one (the sources, the
 * tests) with tsx registered first, since a thread inherits neither `--import tsx` nor the loader bin/ registers.
 */
export function startWorkerThread(module: URL, options: Omit<WorkerOptions, 'eval'> = {}): Worker {
  const load = `import(${JSON.stringify(module.href)})`;
  const code = module.pathname.endsWith('.ts')
    ? `import(${JSON.stringify(import.meta.resolve('tsx/esm/api'))}).then((tsx) => { tsx.register(); return ${load}; })`
    : load;
  return new Worker(code, { ...options, eval: true });
}
