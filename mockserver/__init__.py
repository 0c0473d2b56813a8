"""A stateful mock server driven by an OpenAPI 3.1 document and its `x-mock-` behaviour declarations (read by
`contract/`). It owns a mock's state (`state.MockState`), the engine that runs a call through named steps and
actions (`engine`, `steps`, `actions`, `factory`), the HTTP layer around it (`http` and its helpers), the
control API, injected defects and faults, and persistence."""
