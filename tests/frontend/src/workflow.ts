// The reports workflow of the API's docs (dispatch → poll → extract), run against the mock. Between polls it moves
// the mock clock (POST /__mock/clock) where a client of the real API would wait.
import { RankionClient } from "./client";

async function advanceMockClock(mockRoot: string, seconds: number): Promise<void> {
  await fetch(`${mockRoot}/__mock/clock`, { method: "POST", headers: { "Content-Type": "application/json" },
                                            body: JSON.stringify({ advance: seconds }) });
}

async function main(): Promise<void> {
  const mockRoot = process.env.MOCK_ROOT ?? "http://127.0.0.1:4010";
  const api = new RankionClient(`${mockRoot}/api/v1`, process.env.RANKION_TOKEN ?? "rk_test_team_a");

  const projects = await api.call("get", "/tracking-projects", 200, {});
  const project = projects.body.data[0];
  const dispatch = await api.call("post", "/tracking-projects/{id}/generate-report", 202, { id: project.id });
  const remaining: string | null = dispatch.headers.get("X-RateLimit-Remaining");

  const seen: string[] = [];
  let report = (await api.call("get", "/reports/{id}", 200, { id: dispatch.body.report_id })).body;
  for (let polls = 0; report.status !== "completed" && report.status !== "failed" && polls < 30; polls++) {
    seen.push(report.status);
    await advanceMockClock(mockRoot, 5);
    report = (await api.call("get", "/reports/{id}", 200, { id: dispatch.body.report_id })).body;
  }
  seen.push(report.status);
  const markdown: string = report.markdown_content ?? "";
  console.log(JSON.stringify({ project: project.id, report: dispatch.body.report_id, states: seen,
                               markdown_chars: markdown.length, rate_limit_remaining: remaining }));
}

main().catch((error: unknown) => {
  console.error(error instanceof Error ? error.message : String(error));
  process.exit(1);
});
