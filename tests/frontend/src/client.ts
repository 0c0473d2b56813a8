// A small typed fetch client over the types openapi-typescript generates from the contract (build/schema.d.ts):
// a path, method or body the contract does not have is a compile error, and answers are typed per status.
import type { paths } from "../build/schema";

type Method = "get" | "put" | "post" | "patch" | "delete";
type Operation<P extends keyof paths, M extends Method> = NonNullable<paths[P][M]>;
type Responses<P extends keyof paths, M extends Method> = Operation<P, M> extends { responses: infer R } ? R : never;
/** The JSON body the contract documents for one status of an operation. */
export type Body<P extends keyof paths, M extends Method, S extends keyof Responses<P, M>> =
  Responses<P, M>[S] extends { content: { "application/json": infer B } } ? B : never;
type PathParams<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { parameters: { path: infer A } } ? A : Record<string, never>;
type RequestBody<P extends keyof paths, M extends Method> =
  Operation<P, M> extends { requestBody: { content: { "application/json": infer B } } } ? B : undefined;

export interface Answer<T> {
  status: number;
  headers: Headers;
  body: T;
}

export class RankionClient {
  constructor(private readonly baseUrl: string, private readonly token: string) {}

  async call<P extends keyof paths, M extends Method, S extends keyof Responses<P, M>>(
    method: M, path: P, expected: S, params: PathParams<P, M>, body?: RequestBody<P, M>,
  ): Promise<Answer<Body<P, M, S>>> {
    const url = String(path).replace(/\{(\w+)\}/g, (_, name: string) =>
      encodeURIComponent(String((params as Record<string, unknown>)[name])));
    const response = await fetch(this.baseUrl + url, {
      method: method.toUpperCase(),
      headers: { Authorization: `Bearer ${this.token}`, Accept: "application/json",
                 ...(body === undefined ? {} : { "Content-Type": "application/json" }) },
      body: body === undefined ? undefined : JSON.stringify(body),
    });
    const text = await response.text();
    if (response.status !== Number(expected)) {
      throw new Error(`${method.toUpperCase()} ${url}: expected ${String(expected)}, got ${response.status}: ${text}`);
    }
    return { status: response.status, headers: response.headers, body: (text ? JSON.parse(text) : null) as Body<P, M, S> };
  }
}
