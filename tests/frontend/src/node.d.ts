// The two members of Node's `process` the workflow uses (fetch and console come with lib DOM), instead of the whole
// of @types/node.
declare const process: { env: Record<string, string | undefined>; exit(code: number): never };
