// A client generated from leadgen's OpenAPI document (openapi-typescript types,
// openapi-fetch calls) used against a live server: the paths, servers and
// operationIds it was generated from must be the real API. Run by
// tests/e2e/test_openapi_client.py with LEADGEN_SERVERS (the document's server
// URLs, pointed at the live server) and LEADGEN_KEY; prints "ok N calls" or throws.
import createClient, { type Middleware } from "openapi-fetch";
import type { operations, paths } from "./schema.js";

declare const process: { env: Record<string, string | undefined> };

// Operations are named (a document without operationIds generates
// Record<string, never>, whose keys are any string: that fails here).
type Named<K> = string extends K ? never : K;
const named: Named<keyof operations>[] = ["projects_list", "project_create", "leads_list",
  "leads_add", "recipes_list", "search", "crawl", "ads", "places_search", "place_reviews",
  "verify_emails", "find_email", "accounts_list", "campaigns_list", "campaign_create",
  "campaign_update_steps", "campaign_launch", "campaign_control", "campaign_status",
  "campaign_recipients", "generate_emails"];

// the document's server URLs, pointed at the live server
const servers = JSON.parse(process.env.LEADGEN_SERVERS!) as string[];
const key = process.env.LEADGEN_KEY!;

// the security scheme is an api_key query parameter: added to every request
const apiKey: Middleware = {
  onRequest({ request }) {
    const url = new URL(request.url);
    url.searchParams.set("api_key", key);
    return new Request(url, request);
  },
};

function check(cond: unknown, what: string): asserts cond {
  if (!cond) throw new Error("check failed: " + what);
}

let calls = 0;

async function run(baseUrl: string, name: string) {
  const client = createClient<paths>({ baseUrl });
  client.use(apiKey);

  const created = await client.POST("/api/v1/projects.php", { body: { name } });
  calls++;
  check(created.response.status === 200, `project_create: HTTP ${created.response.status}`);
  const project = created.data?.data;
  check(project?.id && project.name === name, "project_create answers the project");

  const listed = await client.GET("/api/v1/projects.php", { params: { query: { search: name } } });
  calls++;
  check(listed.data?.data?.projects?.some((p) => p.id === project.id), "projects_list finds it");

  const added = await client.POST("/api/v1/leads.php", {
    body: { project_id: project.id, leads: [{ email: "jane.doe@example.org" }] },
  });
  calls++;
  check(added.response.status === 200, `leads_add: HTTP ${added.response.status}`);

  const leads = await client.GET("/api/v1/leads.php", {
    params: { query: { project_id: project.id, limit: 10 } },
  });
  calls++;
  check(leads.data?.data?.leads?.[0]?.email === "jane.doe@example.org", "leads_list lists it");

  const missing = await client.GET("/api/v1/leads.php", {
    params: { query: { project_id: 999999 } },
  });
  calls++;
  check(missing.response.status === 404 && missing.error?.code === "not_found",
        "leads_list of another project: 404 not_found as an error object");

  const recipes = await client.GET("/api/v1/recipes.php");
  calls++;
  check(recipes.response.status === 200 && recipes.data?.status === "success", "recipes_list");
}

// every server of the document: server URL + path is the real URL
check(servers.length >= 2, "the document names the root and the /v2 prefix");
for (const [i, url] of servers.entries()) await run(url, `Generated client ${i}`);
const health = await createClient<paths>({ baseUrl: servers[0] }).GET("/healthz");
calls++;
check(health.response.status === 200, "health");
console.log(`ok ${calls} calls, ${named.length} named operations`);
