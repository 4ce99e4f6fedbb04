// Reads a Markdown file (or bare Mermaid text) on stdin, parses each ```mermaid gantt block with
// Mermaid's own parser and task database, and prints what Mermaid understood as JSON on stdout:
// one object per chart with its title, sections and tasks (name, id, section, first and last
// day, milestone, tags) and its size in characters. Exits 1 with the parser's message on stderr when a chart does not
// parse, or when Mermaid silently misreads it:
//   - a task whose id is not a plain word: a ':' in the name cut the name short, and the rest
//     of the name became the id (the gantt lexer reads a task's name as [^:\n]+);
//   - `after ID` naming no task: Mermaid then starts the bar today instead of failing;
//   - a bar (not a milestone) that ends before it starts or has no length: a date misread,
//     e.g. under a dateFormat that a task name starting with `dateFormat` replaced.
//
// Mermaid's gantt grammar lives in the mermaid package itself (@mermaid-js/parser covers only
// some newer diagram types). mermaid needs a DOM for DOMPurify, so jsdom provides one before
// mermaid is imported.
import { JSDOM } from "jsdom";

const dom = new JSDOM("<!doctype html><html><body></body></html>");
globalThis.window = dom.window;
globalThis.document = dom.window.document;
const { default: mermaid } = await import("mermaid");

// Mermaid turns the entity codes it documents (#35; #59; #quot;) into these markers before
// parsing, and back into HTML entities in the SVG it renders; decode them as a browser would.
function decoded(text) {
  const html = text.replace(/ﬂ°°/g, "&#").replace(/ﬂ°/g, "&").replace(/¶ß/g, ";");
  const area = dom.window.document.createElement("textarea");
  area.innerHTML = html;
  return area.value.trim();
}

function day(date) {
  // Mermaid builds dates in the local zone of the process; the caller runs it with TZ=UTC.
  const pad = (n) => String(n).padStart(2, "0");
  return `${date.getFullYear()}-${pad(date.getMonth() + 1)}-${pad(date.getDate())}`;
}

function charts(input) {
  const fenced = [...input.matchAll(/^```mermaid[ \t]*\n([\s\S]*?)^```[ \t]*$/gm)];
  if (fenced.length > 0) return fenced.map((match) => match[1]);
  return [input];
}

async function read(text) {
  await mermaid.parse(text); // throws the parser's error
  const diagram = await mermaid.mermaidAPI.getDiagramFromText(text);
  if (diagram.type !== "gantt") throw new Error(`not a gantt chart but ${diagram.type}`);
  const db = diagram.db;
  const tasks = db.getTasks(); // compiles the dates: an invalid one throws here
  const ids = new Set(tasks.map((task) => task.id));
  const problems = [];
  for (const task of tasks) {
    if (!/^[A-Za-z0-9_-]+$/.test(task.id)) {
      problems.push(
        `task '${decoded(task.task)}' has the id '${task.id}': a ':' in its name cut the name short`,
      );
    }
    if (!task.milestone && !(task.endTime > task.startTime)) {
      problems.push(`task '${task.id}' ends before it starts or has no length: a date was misread`);
    }
    const start = task.raw?.startTime;
    if (start?.type === "getStartDate" && /^after\s/.test(start.startData)) {
      for (const id of start.startData.replace(/^after\s+/, "").split(/\s+/)) {
        if (!ids.has(id)) problems.push(`task '${task.id}' comes after '${id}', which no task is`);
      }
    }
  }
  if (problems.length > 0) throw new Error(problems.join("; "));
  // Mermaid's end is exclusive (the midnight after the last day), or the day itself for a
  // milestone, which has no length.
  const last = (task) =>
    task.milestone ? task.startTime : new Date(task.endTime.getTime() - 24 * 3600 * 1000);
  return {
    size: text.trimEnd().length, // what Mermaid compares with its maxTextSize
    title: decoded(db.getDiagramTitle()),
    sections: db.getSections().map(decoded),
    tasks: tasks.map((task) => ({
      name: decoded(task.task),
      id: task.id,
      section: decoded(task.section),
      first: day(task.startTime),
      last: day(last(task)),
      milestone: Boolean(task.milestone),
      done: Boolean(task.done),
      active: Boolean(task.active),
      crit: Boolean(task.crit),
    })),
  };
}

let input = "";
process.stdin.setEncoding("utf8");
for await (const chunk of process.stdin) input += chunk;
const results = [];
for (const [index, text] of charts(input).entries()) {
  try {
    results.push(await read(text));
  } catch (error) {
    process.stderr.write(`chart ${index + 1}: ${error.message ?? error}\n`);
    process.exit(1);
  }
}
process.stdout.write(JSON.stringify(results) + "\n");
