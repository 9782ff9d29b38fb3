// The LangGraph.js side of `bench/run.sh peer` (dev.agentry.bench.PeerBench starts it).
//
// usage: node peer.mjs <fake Anthropic base URL> <SQLite file>
//
// A createReactAgent over ChatAnthropic (streaming, pointed at the fake Anthropic endpoint the Java
// side runs) with one `bash` tool that runs its command in a child process (no sandbox), and a
// SqliteSaver whose commits are fsync'd (WAL, PRAGMA synchronous=FULL) and written before the next
// step starts (durability "sync"). It prints one JSON line when ready, then for every line
// "turn <n>" on stdin runs one turn on a fresh thread and prints one JSON line with the times the
// caller observed (milliseconds, from performance.now()):
//   stepsMs[i]  from the turn's start (i = 0) or the previous tool message to tool message i + 1,
//               as the stream hands it to the caller: one model request, one tool call and their
//               checkpoints;
//   answerMs    from the last tool message to the end of the stream (the final model request);
//   turnMs      the whole turn; toolMs[i]: time inside the bash tool of step i + 1;
//   checkpoints the checkpoints the thread has in SQLite after the turn.
// A line "warm <n>" runs the same turn on an agent whose SqliteSaver writes to a second file
// (<SQLite file>.warm): V8 warms up on the same code while the measured file holds only the
// measured side's threads (the step slows as the file it reads grows).
import { execFile } from "node:child_process";
import { readFileSync } from "node:fs";
import { createInterface } from "node:readline";
import { performance } from "node:perf_hooks";
import Database from "better-sqlite3";
import { ChatAnthropic } from "@langchain/anthropic";
import { tool } from "@langchain/core/tools";
import { HumanMessage } from "@langchain/core/messages";
import { createReactAgent } from "@langchain/langgraph/prebuilt";
import { SqliteSaver } from "@langchain/langgraph-checkpoint-sqlite";
import { z } from "zod";

const [baseUrl, dbFile] = process.argv.slice(2);
if (!baseUrl || !dbFile) {
  console.error("usage: node peer.mjs <fake Anthropic base URL> <SQLite file>");
  process.exit(2);
}

function saver(file) {
  const db = new Database(file);
  const checkpointer = new SqliteSaver(db);
  checkpointer.setup(); // sets journal_mode=WAL and creates the tables
  db.pragma("synchronous = FULL"); // fsync the WAL at every commit, as Agentry's SQLite store does
  return { db, checkpointer };
}
const { db, checkpointer } = saver(dbFile);
const warmSaver = saver(`${dbFile}.warm`);
const pragmas = {
  journal_mode: db.pragma("journal_mode", { simple: true }),
  synchronous: db.pragma("synchronous", { simple: true }), // 2 = FULL
};

let toolTimes = [];
const bash = tool(
  async ({ command }) => {
    const t0 = performance.now();
    const out = await new Promise((resolve, reject) =>
      execFile("/bin/bash", ["-c", command], { timeout: 10_000 }, (err, stdout, stderr) =>
        err ? reject(err) : resolve(stdout + stderr),
      ),
    );
    toolTimes.push(performance.now() - t0);
    return out;
  },
  {
    name: "bash",
    description: "Runs a bash command and returns its output.",
    schema: z.object({ command: z.string() }),
  },
);

const llm = new ChatAnthropic({
  model: "claude-sonnet-4-6",
  apiKey: "sk-ant-bench-peer",
  anthropicApiUrl: baseUrl,
  streaming: true,
  maxRetries: 0,
  maxTokens: 1024,
});
const agent = createReactAgent({ llm, tools: [bash], checkpointSaver: checkpointer });
const warmAgent = createReactAgent({
  llm,
  tools: [bash],
  checkpointSaver: warmSaver.checkpointer,
});

function versionOf(pkg) {
  const file = new URL(`./node_modules/${pkg}/package.json`, import.meta.url);
  return JSON.parse(readFileSync(file, "utf8")).version;
}

async function turn(n, { agent, db }) {
  toolTimes = [];
  const stepsMs = [];
  let toolMessages = 0;
  const t0 = performance.now();
  let last = t0;
  const stream = await agent.stream(
    { messages: [new HumanMessage(`run the twenty steps (${n})`)] },
    {
      configurable: { thread_id: `bench-${n}` },
      streamMode: "updates",
      durability: "sync",
      recursionLimit: 100,
    },
  );
  let answer = "";
  for await (const update of stream) {
    if (update.tools) {
      const now = performance.now();
      stepsMs.push(now - last);
      last = now;
      for (const m of update.tools.messages) {
        if (!String(m.content).startsWith("step ")) {
          throw new Error(`unexpected tool output: ${JSON.stringify(m.content)}`);
        }
        toolMessages++;
      }
    }
    if (update.agent) {
      const m = update.agent.messages.at(-1);
      if (!m.tool_calls?.length) {
        answer = String(m.content);
      }
    }
  }
  const end = performance.now();
  const checkpoints = db
    .prepare("SELECT count(*) AS n FROM checkpoints WHERE thread_id = ?")
    .get(`bench-${n}`).n;
  return {
    turn: n,
    stepsMs,
    toolMs: toolTimes,
    toolMessages,
    answerMs: end - last,
    turnMs: end - t0,
    checkpoints,
    answer,
  };
}

console.log(
  JSON.stringify({
    ready: true,
    node: process.version,
    langgraph: versionOf("@langchain/langgraph"),
    anthropic: versionOf("@langchain/anthropic"),
    checkpointSqlite: versionOf("@langchain/langgraph-checkpoint-sqlite"),
    betterSqlite3: versionOf("better-sqlite3"),
    ...pragmas,
  }),
);

const lines = createInterface({ input: process.stdin });
for await (const line of lines) {
  const [verb, arg] = line.trim().split(/\s+/);
  if (verb !== "turn" && verb !== "warm") {
    continue;
  }
  const side = verb === "turn" ? { agent, db } : { agent: warmAgent, db: warmSaver.db };
  try {
    console.log(JSON.stringify(await turn(Number(arg), side)));
  } catch (e) {
    console.log(JSON.stringify({ turn: Number(arg), error: String(e?.stack ?? e) }));
  }
}
db.close();
warmSaver.db.close();
