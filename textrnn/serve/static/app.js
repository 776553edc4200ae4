// The textrnn page: plain JavaScript on the server's JSON API (no build step, no CDN).
"use strict";

const $ = (id) => document.getElementById(id);
const el = (tag, attrs = {}, ...children) => {
  const node = document.createElement(tag);
  for (const [k, v] of Object.entries(attrs)) {
    if (k === "class") node.className = v; else if (k === "style") node.style.cssText = v; else node.setAttribute(k, v);
  }
  for (const c of children) node.append(c instanceof Node ? c : document.createTextNode(String(c)));
  return node;
};
const pct = (p) => (100 * p).toFixed(1) + " %";
let models = [];
let playing = null;

function model() { return models.find((m) => m.name === $("model").value); }

function showError(body) {
  const box = $("error");
  box.hidden = false;
  box.textContent = body.error + (body.hint ? " — " + body.hint : "");
}

async function post(path, body) {
  const r = await fetch(path, { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  const json = await r.json().catch(() => ({ error: `HTTP ${r.status}`, hint: null }));
  if (!r.ok) { showError(json); throw new Error(json.error); }
  return json;
}

async function loadModels() {
  const r = await fetch("/v1/models");
  models = (await r.json()).models;
  const order = { classify: 0, tag: 1, translate: 2, lm: 3 };
  const names = { classify: "classify", tag: "tag", translate: "translate", lm: "generate / next word" };
  models.sort((a, b) => (order[a.task] - order[b.task]) || (b.default - a.default));
  const select = $("model");
  for (const task of Object.keys(order)) {
    const group = el("optgroup", { label: names[task] });
    for (const m of models.filter((x) => x.task === task)) group.append(el("option", { value: m.name }, m.name));
    if (group.children.length) select.append(group);
  }
  select.addEventListener("change", onModel);
  onModel();
}

const EXAMPLES = {
  classify: "a dull start, but the ending is wonderful", tag: "Angela Merkel met Emmanuel Macron in Paris on Monday .",
  translate: "Ein Mann spielt Gitarre auf der Straße .", lm: "The history of the",
};

function onModel() {
  const m = model();
  $("model-info").textContent = `${m.task} · ${m.size_mb} MB · ${m.score}`;
  $("controls-lm").hidden = m.task !== "lm";
  $("controls-translate").hidden = m.task !== "translate";
  $("inside").hidden = m.task === "translate";
  if (Object.values(EXAMPLES).includes($("text").value) || !$("text").value.trim()) {
    $("text").value = m.name.endsWith("-ko") ? (m.task === "tag" ? "학교에 가서 친구를 만났다 ." : "연기는 좋았지만 스토리가 지루했다")
      : EXAMPLES[m.task];
  }
  $("result").replaceChildren();
  $("inside-view").hidden = true;
}

function busy(on) { $("run").disabled = on; $("inside").disabled = on; }

async function run() {
  $("error").hidden = true;
  const m = model(), text = $("text").value;
  busy(true);
  try {
    if (m.task === "classify") renderClassify(await post("/v1/classify", { model: m.name, text }));
    else if (m.task === "tag") renderTag(await post("/v1/tag", { model: m.name, text }));
    else if (m.task === "translate") renderTranslate(await post("/v1/inspect/attention", { model: m.name, text }));
    else if ($("lm-mode").value === "next-word") renderNext(await post("/v1/next-word", { model: m.name, text }));
    else await streamGenerate(m.name, text);
  } catch (e) { if ($("error").hidden) showError({ error: String(e.message || e) }); }
  finally { busy(false); }
}

function bars(rows, testid) {
  const best = Math.max(...rows.map((r) => r[1]));
  return el("div", { "data-testid": testid }, ...rows.map(([label, p]) =>
    el("div", { class: "bar-row" + (p === best ? " best" : "") }, el("span", { class: "label" }, label),
      el("div", { class: "bar" }, el("span", { style: `width:${(100 * p).toFixed(1)}%` })), el("span", {}, pct(p)))));
}

function renderClassify(res) {
  const out = $("result");
  if (!res.result) { out.replaceChildren(el("p", { class: "muted" }, "(an empty text has no label)")); return; }
  const r = res.result;
  out.replaceChildren(el("p", {}, "Label: ", el("strong", { "data-testid": "label" }, r.label), " ", el("span", { class: "muted" }, pct(r.probability))),
    bars(Object.entries(r.scores).sort((a, b) => b[1] - a[1]), "scores"));
}

function renderTag(res) {
  const r = res.result, out = $("result");
  out.replaceChildren();
  if (r.entities) {
    const p = el("p", { "data-testid": "entities" });
    let at = 0;
    for (const e of r.entities) {
      p.append(r.text.slice(at, e.start), el("mark", { class: `ent ent-${e.type}`, "data-type": e.type }, e.text, el("sub", {}, e.type)));
      at = e.end;
    }
    p.append(r.text.slice(at));
    out.append(p);
  }
  out.append(el("div", { class: "tokens", "data-testid": "tags" }, ...r.tokens.map((t, i) =>
    el("span", { class: "tok" }, el("span", {}, t), el("span", { class: "tagname" }, r.tags[i])))));
}

function heat(rows, cols, matrix) {
  const table = el("table", { class: "heat", "data-testid": "attention" });
  table.append(el("tr", {}, el("th", {}), ...cols.map((c) => el("th", { class: "src" }, c))));
  matrix.forEach((row, i) => table.append(el("tr", {}, el("th", { class: "tgt" }, rows[i]),
    ...row.map((w) => el("td", { title: w.toFixed(3), style: `background: rgba(47,111,237,${Math.min(1, w).toFixed(3)})` })))));
  return table;
}

function renderTranslate(r) {
  $("result").replaceChildren(el("p", {}, "Translation: ", el("strong", { "data-testid": "translation" }, r.translation)),
    el("p", { class: "muted" }, "Attention: each row is a piece of the translation, each column a piece of the source; darker = more weight."),
    heat(r.target_pieces, r.source_pieces, r.attention));
}

function renderNext(res) {
  if (!res.result) { $("result").replaceChildren(el("p", { class: "muted" }, "(give a text to continue)")); return; }
  $("result").replaceChildren(el("p", {}, "Next word:"), bars(res.result.map((x) => [x.token, x.probability]), "next-words"));
}

async function streamGenerate(name, prompt) {
  const num = (id) => Number($(id).value);
  const body = { model: name, prompt, stream: true, max_tokens: num("max-tokens"), temperature: num("temperature"),
                 top_k: num("top-k"), top_p: num("top-p") };
  if ($("seed").value !== "") body.seed = num("seed");
  const generated = el("span", { "data-testid": "generated-text" });
  $("result").replaceChildren(el("p", { class: "muted" }, prompt ? "Continuing the prompt:" : "From nothing (one-to-many):"),
    el("p", { id: "generated" }, el("span", { class: "prompt" }, prompt ? prompt + " " : ""), generated));
  const r = await fetch("/v1/generate", { method: "POST", headers: { "content-type": "application/json" }, body: JSON.stringify(body) });
  if (!r.ok) { showError(await r.json()); return; }
  const reader = r.body.getReader(), decoder = new TextDecoder();
  let buffer = "";
  for (;;) {
    const { value, done } = await reader.read();
    if (done) break;
    buffer += decoder.decode(value, { stream: true });
    let cut;
    while ((cut = buffer.indexOf("\n\n")) >= 0) {
      const block = buffer.slice(0, cut); buffer = buffer.slice(cut + 2);
      const event = (block.match(/^event: (.*)$/m) || [])[1], data = JSON.parse((block.match(/^data: (.*)$/m) || [])[1] || "{}");
      if (event === "token") generated.append(data.token);
      else if (event === "error") showError(data);
      else if (event === "done") generated.dataset.done = "true";
    }
  }
}

// -- look inside: step through the sentence, token by token ----------------------------------
function spark(values, at, color) {
  const w = 300, h = 40, n = values.length, max = Math.max(1e-9, ...values);
  const x = (i) => (n === 1 ? w / 2 : (i * w) / (n - 1)), y = (v) => h - 2 - (v / max) * (h - 4);
  const svg = document.createElementNS("http://www.w3.org/2000/svg", "svg");
  svg.setAttribute("viewBox", `0 0 ${w} ${h}`); svg.setAttribute("class", "spark"); svg.setAttribute("preserveAspectRatio", "none");
  const line = document.createElementNS(svg.namespaceURI, "polyline");
  line.setAttribute("points", values.map((v, i) => `${x(i)},${y(v)}`).join(" "));
  line.setAttribute("fill", "none"); line.setAttribute("stroke", color); line.setAttribute("stroke-width", "2");
  const dot = document.createElementNS(svg.namespaceURI, "circle");
  dot.setAttribute("cx", x(at)); dot.setAttribute("cy", y(values[at])); dot.setAttribute("r", "4"); dot.setAttribute("fill", color);
  svg.append(line, dot);
  return svg;
}

const COLORS = { input: "#2f6fed", forget: "#d92d20", output: "#12b76a", reset: "#7a5af8", update: "#f79009" };
const MEANING = { input: "how much new content is written", forget: "how much of the cell is kept",
                  output: "how much of the cell is shown", reset: "how much of the past feeds the candidate",
                  update: "how much of the past is kept (update = 1 keeps the past, torch's convention)" };

function topUnits(matrix, k) {   // units whose value changes most over the sentence (variance), most first
  const T = matrix.length, D = matrix[0].length, score = [];
  for (let d = 0; d < D; d++) {
    let m = 0; for (let t = 0; t < T; t++) m += matrix[t][d]; m /= T;
    let v = 0; for (let t = 0; t < T; t++) v += (matrix[t][d] - m) ** 2;
    score.push([v, d]);
  }
  return score.sort((a, b) => b[0] - a[0]).slice(0, k).map((s) => s[1]);
}

let inside = null;

async function lookInside() {
  $("error").hidden = true;
  const m = model(), text = $("text").value;
  busy(true);
  try {
    const [g, h] = await Promise.all([post("/v1/inspect/gates", { model: m.name, text }), post("/v1/inspect/hidden", { model: m.name, text })]);
    inside = { g, h, units: g.directions.map((d) => Object.fromEntries(g.gate_names.map((n) => [n, topUnits(d.gates[n], 24)]))) };
    $("inside-view").hidden = false;
    $("step").max = g.tokens.length - 1; $("step").value = 0;
    $("inside-note").textContent = `${g.cell.toUpperCase()}, ${g.hidden_size} units per direction. The model predicts ${g.prediction} (${pct(g.probability)})` +
      (g.members > 1 ? ` — the first of its ${g.members} networks is shown.` : ".") +
      " A gate lies between 0 (closed) and 1 (open). Units: the 24 whose gate varies most over this sentence." +
      " The backward direction reads from the end, so at a token it has already seen everything after it.";
    drawStep();
  } catch (e) { if ($("error").hidden) showError({ error: String(e.message || e) }); }
  finally { busy(false); }
}

function drawStep() {
  const { g, h, units } = inside, t = Number($("step").value);
  $("inside-tokens").replaceChildren(...g.tokens.map((tok, i) =>
    el("span", { class: "tok " + (i === t ? "now" : i < t ? "done" : "later"), "data-index": i }, tok)));
  const dirs = g.directions.map((d, k) => {
    const box = el("div", { class: "dir", "data-testid": "direction" },
      el("h3", {}, `layer ${d.layer + 1}, ${d.direction}` + ` — ‖h‖ = ${d.hidden_norm[t].toFixed(2)}` + (d.cell_norm ? `, ‖c‖ = ${d.cell_norm[t].toFixed(2)}` : "")));
    for (const name of g.gate_names) {
      const mean = d.gate_means[name][t], cells = units[k][name];
      box.append(el("div", { class: "bar-row" }, el("span", { class: "label", title: MEANING[name] }, `${name} gate`),
        el("div", { class: "bar" }, el("span", { style: `width:${(100 * mean).toFixed(1)}%;background:${COLORS[name]}` })),
        el("span", { "data-testid": `gate-${name}` }, mean.toFixed(3))));
      const strip = el("div", { class: "units", style: `grid-template-columns: repeat(${cells.length}, 1fr)` },
        ...cells.map((u) => el("span", { title: `unit ${u}: ${d.gates[name][t][u].toFixed(3)}`,
          style: `background: ${COLORS[name]}; opacity: ${Math.max(0.04, d.gates[name][t][u]).toFixed(3)}` })));
      box.append(strip, spark(d.gate_means[name], t, COLORS[name]));
    }
    return box;
  });
  const norms = h.forward_norms ? [["forward ‖h‖", h.forward_norms], ["backward ‖h‖", h.backward_norms]] : [["‖h‖", h.norms]];
  dirs.push(el("div", { class: "dir" }, el("h3", {}, "Top layer output, by direction"),
    ...norms.map(([name, v]) => el("div", {}, el("span", { class: "muted" }, `${name} at “${g.tokens[t]}”: ${v[t].toFixed(2)}`), spark(v, t, "#344054")))));
  $("inside-dirs").replaceChildren(...dirs);
}

function step(delta) {
  const s = $("step"), t = Number(s.value) + delta;
  if (t < 0 || t > Number(s.max)) return false;
  s.value = t; drawStep(); return true;
}

function play() {
  if (playing) { clearInterval(playing); playing = null; $("step-play").textContent = "play"; return; }
  if (Number($("step").value) >= Number($("step").max)) { $("step").value = 0; drawStep(); }
  $("step-play").textContent = "pause";
  playing = setInterval(() => { if (!step(1)) play(); }, 700);
}

$("run").addEventListener("click", run);
$("inside").addEventListener("click", lookInside);
$("step").addEventListener("input", drawStep);
$("step-prev").addEventListener("click", () => step(-1));
$("step-next").addEventListener("click", () => step(1));
$("step-play").addEventListener("click", play);
$("text").addEventListener("keydown", (e) => { if (e.key === "Enter" && (e.ctrlKey || e.metaKey)) run(); });
loadModels().catch((e) => showError({ error: "cannot list the models: " + e, hint: "is the server running?" }));
