/* zkanchor explorer: the page.
 *
 * Lists come from the server's JSON API (/api/overview).  Nothing that is verified is taken
 * from it: "verify here" fetches the anchoring transaction from the node (through the
 * server's read-only relay, /rpc), decodes the proof and the public inputs from its calldata
 * (zk.js), checks that the deployment record's verification key is the one the chain's
 * verifier contract embeds, and runs snarkjs in this page; it also asks the verifier contract
 * itself (eth_call).  Every string from the chain or a file is put in the page as text
 * (textContent), never as markup.
 *
 * Copyright the zkanchor authors; Apache-2.0.
 */
(function () {
  "use strict";
  const ZK = window.ZK;
  const state = { config: null, snap: null, panels: new Map() };
  const ZERO_ADDRESS = "0x0000000000000000000000000000000000000000";

  // ------------------------------------------------------------------ DOM helpers (text only)

  function el(tag, attrs, ...children) {
    const node = document.createElement(tag);
    for (const [k, v] of Object.entries(attrs || {})) {
      if (v === undefined || v === null || v === false) continue;
      if (k === "class") node.className = String(v);
      else if (k === "href") node.setAttribute("href", safeHref(v));
      else if (k === "onclick") node.addEventListener("click", v);
      else if (k === "onchange") node.addEventListener("change", v);
      else if (k === "id" || k === "title" || k === "type" || k === "accept" || k === "colspan" || k.startsWith("data-")) node.setAttribute(k, String(v));
      else throw new Error("attribute not allowed: " + k);
    }
    append(node, children);
    return node;
  }

  function append(node, children) {
    for (const c of children.flat(Infinity)) {
      if (c === undefined || c === null || c === false) continue;
      node.appendChild(c instanceof Node ? c : document.createTextNode(String(c)));
    }
    return node;
  }

  function safeHref(v) {  // internal routes and the API only
    const s = String(v);
    return /^#\/[A-Za-z0-9/_-]*$/.test(s) || /^\/api\/[A-Za-z0-9/_-]*$/.test(s) ? s : "#/";
  }

  function clear(node) { while (node.firstChild) node.removeChild(node.firstChild); return node; }

  function short(text) {
    const s = String(text || "");
    return s.length > 18 ? s.slice(0, 10) + "…" + s.slice(-6) : s;
  }

  function hexId(s) { return /^0x[0-9a-fA-F]{40}$/.test(s) || /^0x[0-9a-fA-F]{64}$/.test(s) ? s : ""; }

  function who(address, name) {
    const label = name ? name : short(address);
    return hexId(address) ? el("a", { href: "#/institution/" + address, title: address }, label) : label;
  }

  // Statuses styled like another: a refuted erasure request is settled, as an answered one is.
  const PILL_TONE = { refuted: "answered" };
  function pill(text) {
    const name = String(text).replace(/\s+/g, "-");
    return el("span", { class: "pill " + name + (PILL_TONE[name] ? " " + PILL_TONE[name] : "") }, text);
  }

  function mono(text, full) { return el("span", { class: "mono", title: full || text }, short(text)); }

  function table(headers, rows, empty) {
    if (!rows.length) return el("p", { class: "muted" }, empty || "None.");
    return el("table", {}, el("thead", {}, el("tr", {}, headers.map((h) => el("th", {}, h)))),
      el("tbody", {}, rows));
  }

  function utc(seconds) {
    if (!seconds) return "";
    return new Date(Number(seconds) * 1000).toISOString().replace("T", " ").replace(/\.\d+Z$/, " UTC");
  }

  function card(n, label, tone) { return el("div", { class: "card" + (tone ? " " + tone : "") }, el("div", { class: "n" }, String(n)), el("div", { class: "l" }, label)); }

  // ------------------------------------------------------------------ the server and the node

  async function api(path) {
    const response = await fetch("/api/" + path, { headers: { Accept: "application/json" } });
    const body = await response.json();
    if (!response.ok) throw new Error(body && body.error ? body.error : "the explorer answered " + response.status);
    return body;
  }

  let rpcId = 0;
  async function rpc(method, params) {
    const response = await fetch("/rpc", {
      method: "POST", headers: { "Content-Type": "application/json" },
      body: JSON.stringify({ jsonrpc: "2.0", id: ++rpcId, method, params }),
    });
    const body = await response.json();
    if (body.error) throw new Error(method + ": " + (body.error.message || "error"));
    return body.result;
  }

  function ethCall(to, data) { return rpc("eth_call", [{ to, data }, "latest"]); }

  const sameAddress = (a, b) => typeof a === "string" && typeof b === "string" && a.toLowerCase() === b.toLowerCase();

  // ------------------------------------------------------------------ snarkjs and Poseidon constants, loaded on demand

  let snarkjsLoading = null;
  function loadSnarkjs() {
    if (window.snarkjs) return Promise.resolve(window.snarkjs);
    if (!snarkjsLoading) {
      snarkjsLoading = new Promise((resolve, reject) => {
        const script = document.createElement("script");
        script.src = "/assets/snarkjs.min.js";
        script.onload = () => (window.snarkjs ? resolve(window.snarkjs) : reject(new Error("snarkjs did not load")));
        script.onerror = () => reject(new Error("snarkjs is not installed where this explorer runs (npm install snarkjs, "
          + "or set ZKANCHOR_NODE_MODULES), so the proof was not checked in this page"));
        document.head.appendChild(script);
      });
    }
    return snarkjsLoading;
  }

  let constantsLoading = null;
  function loadConstants() {
    if (!constantsLoading) {
      constantsLoading = fetch("/assets/poseidon-constants.json").then((r) => r.json()).then((j) => ZK.loadPoseidonConstants(j));
    }
    return constantsLoading;
  }

  // ------------------------------------------------------------------ verification in the page

  const ANCHOR_EVENTS = ["TrainingAnchored", "AggregateAnchored", "AnchorResolved", "ErasureAnchored", "ValidityAnchored"];

  /* Verify one anchored proof from the chain; returns {verdict, checks, call, circuit}. */
  async function verifyAnchor(anchor) {
    const checks = [];
    const add = (ok, text) => checks.push({ ok, text });
    const registry = state.config.registry.address;
    if (!anchor.proof_tx) {
      add(null, anchor.settled === "expired" ? "the committed proof was never revealed; the anchor expired (invalid on chain)"
        : "the proof has not been revealed on chain yet: there is nothing to verify");
      return { verdict: "unverifiable", checks };
    }
    const tx = await rpc("eth_getTransactionByHash", [anchor.proof_tx]);
    if (!tx) throw new Error("the node does not know the transaction " + anchor.proof_tx);
    add(sameAddress(tx.to, registry), "the transaction " + short(anchor.proof_tx) + " calls the registry " + registry);
    const call = ZK.decodeCall(tx.input);
    add(null, "decoded in this page: " + call.fn + " with " + call.inputs.length + " public inputs");
    const receipt = await rpc("eth_getTransactionReceipt", [anchor.proof_tx]);
    add(Boolean(receipt) && receipt.status === "0x1", "the transaction succeeded on chain");
    const sh = ZK.statementHash(call.circuitId, call.inputs);
    const bound = sh === String(anchor.statement_hash).toLowerCase();
    add(bound, "keccak256(circuit id, public inputs) of the calldata is the anchor's statement hash " + short(anchor.statement_hash));
    const topics = new Set(ANCHOR_EVENTS.map(ZK.eventTopic));
    const logged = Boolean(receipt) && receipt.logs.some((l) => sameAddress(l.address, registry) && l.topics.length > 1
      && topics.has(l.topics[0]) && l.topics[1] === sh);
    add(logged, "the registry logged that statement hash in this transaction");
    const view = ZK.decodeAnchorView(await ethCall(registry, ZK.callData(ZK.VIEW.anchor, [BigInt(sh)])));
    add(null, "the registry's record of the statement: " + view.kind + ", " + view.status + ", block " + view.block);
    if (call.fn === "resolve") {
      add(ZK.proofHash(call.proof) === view.proofHash, "the revealed proof is the one the optimistic anchor committed to");
    }

    // the key: the deployment record's, checked against the chain
    const onchain = ZK.decodeCircuitView(await ethCall(registry, ZK.callData(ZK.VIEW.circuit, [BigInt(call.circuitId)])));
    const circuit = (state.snap.circuits || []).find((c) => c.circuit_id.toLowerCase() === call.circuitId.toLowerCase());
    const registered = onchain.verifier !== ZERO_ADDRESS;
    add(registered, "the circuit " + (circuit ? circuit.name : short(call.circuitId)) + " is registered, with verifier " + onchain.verifier);
    add(onchain.nPublic === call.inputs.length, "the circuit takes " + onchain.nPublic + " public inputs; the calldata has " + call.inputs.length);
    const vk = circuit && circuit.vk;
    let keyBound = false;
    if (!vk) {
      add(false, "the deployment record holds no verification key for this circuit: snarkjs cannot run");
    } else {
      const sameVerifier = sameAddress(circuit.verifier, onchain.verifier) && String(circuit.circuit_hash).toLowerCase() === onchain.circuitHash;
      add(sameVerifier, "the deployment record's key is filed for this verifier and circuit hash " + short(onchain.circuitHash));
      const code = await rpc("eth_getCode", [onchain.verifier, "latest"]);
      const embedded = ZK.codeEmbedsKey(code, vk);
      add(embedded.ok, "the verifier's code on chain embeds every constant of that key (" + (embedded.total - embedded.missing) + " of " + embedded.total + ")");
      const sizes = Number(vk.nPublic) === call.inputs.length && Array.isArray(vk.IC) && vk.IC.length === call.inputs.length + 1;
      add(sizes, "the key has one IC point per public input, plus one");
      keyBound = registered && sameVerifier && embedded.ok && sizes;
    }

    // the proof
    let snarkOk = null;
    if (keyBound) {
      let snarkjs = null;
      try {
        snarkjs = await loadSnarkjs();
      } catch (exc) {
        add(null, exc.message);  // without snarkjs the verdict rests on the contract: "unverifiable" at best
      }
      if (snarkjs) {
        snarkOk = await snarkjs.groth16.verify(vk, call.inputs.map(String), ZK.snarkjsProof(call.proof));
        add(snarkOk, snarkOk ? "snarkjs, in this page: the proof verifies for these public inputs"
          : "snarkjs, in this page: the proof does NOT verify for these public inputs");
      }
    }
    let contractOk = null;
    if (registered) {
      try {
        const answer = await ethCall(onchain.verifier, ZK.verifyProofCall(call.proof, call.inputs));
        contractOk = ZK.decodeWords(answer)[0] === 1n;
        add(snarkOk === null ? null : contractOk === snarkOk, "the verifier contract, asked by eth_call, says " + (contractOk ? "valid" : "invalid"));
      } catch (exc) {
        add(false, "the verifier contract could not be called: " + exc.message);
      }
    }
    let verdict;
    if (snarkOk === false || (snarkOk === null && contractOk === false)) verdict = "invalid";
    else if (snarkOk && bound && logged && contractOk !== false) verdict = "valid";
    else if (snarkOk && (!bound || !logged)) verdict = "invalid";
    else verdict = "unverifiable";
    return { verdict, checks, call, circuit, onchain };
  }

  async function descriptionChecked(circuit, onchain) {
    if (!circuit || !circuit.description) return null;
    const ok = ZK.bytesToHex(ZK.keccak256(circuit.description)) === onchain.descriptionHash;
    return { text: circuit.description, ok };
  }

  async function renderVerification(anchor, panel) {
    clear(panel);
    panel.className = "panel";
    append(panel, [el("div", { class: "verdict" }, "checking…")]);
    let result;
    try {
      result = await verifyAnchor(anchor);
    } catch (exc) {
      clear(panel);
      panel.className = "panel invalid";
      append(panel, [el("div", { class: "verdict invalid" }, "could not verify"), el("p", { class: "error" }, exc.message)]);
      panel.setAttribute("data-verdict", "error");
      return;
    }
    clear(panel);
    panel.className = "panel " + result.verdict;
    panel.setAttribute("data-verdict", result.verdict);
    const words = { valid: "valid — verified in this page", invalid: "invalid", unverifiable: "not verified" };
    append(panel, [el("div", { class: "verdict " + result.verdict }, words[result.verdict])]);
    append(panel, [el("ul", { class: "checks" }, result.checks.map((c) =>
      el("li", { class: c.ok === null ? "info" : c.ok ? "yes" : "no" }, c.text)))]);
    if (result.call) append(panel, [await statementBlock(anchor, result)]);
  }

  async function statementBlock(anchor, result) {
    const { call } = result;
    const names = (anchor.inputs || []).map((i) => i.name);
    const box = el("div", { class: "statement" }, el("h3", {}, "The statement this proof binds"));
    const rows = call.inputs.map((v, i) => el("tr", {}, el("td", {}, names[i] || "input " + i),
      el("td", { class: "mono wrap" }, v.toString()), el("td", { class: "mono wrap" }, ZK.hex32(v))));
    append(box, [el("table", {}, el("thead", {}, el("tr", {}, el("th", {}, "public input"), el("th", {}, "decimal (from the calldata)"), el("th", {}, "hex"))), el("tbody", {}, rows))]);
    const described = await descriptionChecked(result.circuit, result.onchain);
    if (described) {
      append(box, [el("div", { class: "note" }, described.ok ? "The circuit's description, as registered on chain (its keccak256 matches the registry's description hash, checked here):"
        : "The circuit's description from the registration event — its keccak256 does NOT match the registry's description hash:"),
      el("div", { class: "desc" }, described.text)]);
    }
    if (anchor.statement) {
      try {
        const found = await api("statements/" + anchor.statement_hash);
        const listed = (found.statement.public_inputs || []).map(String);
        const same = listed.length === call.inputs.length && listed.every((v, i) => v === call.inputs[i].toString());
        append(box, [el("div", { class: "note" }, same
          ? "From " + found.file + " (supplied to the explorer): its public inputs equal the proven ones (checked here); zkanchor re-derived its description and claims from its spec, whose digest is a proven input."
          : "The supplied " + found.file + " lists OTHER public inputs than the proof: its description is not shown."),
        same ? el("div", { class: "desc" }, String(found.statement.description || "")) : null,
        same ? claimsList(found.statement.claims) : null]);
      } catch (exc) {
        append(box, [el("p", { class: "error" }, exc.message)]);
      }
    }
    return box;
  }

  function claimsList(claims) {
    if (!claims || typeof claims !== "object" || !Object.keys(claims).length) return null;
    return el("ul", {}, Object.entries(claims).map(([clause, fields]) => el("li", {}, clause + ": ",
      typeof fields === "object" && fields ? Object.entries(fields).map(([k, v]) => k + " " + String(v)).join(", ") : String(fields))));
  }

  function verifyButton(anchor, host) {
    const key = anchor.statement_hash;
    return el("button", { "data-verify": key, onclick: (ev) => {
      let panel = state.panels.get(key + host.id);
      if (!panel) {
        panel = el("div", { class: "panel", "data-panel": key });
        state.panels.set(key + host.id, panel);
        const row = ev.target.closest("tr");
        const cols = row ? row.children.length : 1;
        const holder = el("tr", {}, el("td", { colspan: cols }, panel));
        if (row) row.after(holder); else host.appendChild(panel);
      }
      renderVerification(anchor, panel);
    } }, "verify here");
  }

  // ------------------------------------------------------------------ views

  function anchorsTable(anchors, id) {
    const host = el("div", { "data-id": id });
    host.id = id;
    const rows = anchors.map((a) => el("tr", { "data-anchor": a.statement_hash },
      el("td", {}, String(a.block)),
      el("td", {}, a.kind, a.segment !== null && a.segment !== undefined ? el("div", { class: "note" }, "run " + short(a.run_id) + " #" + a.segment + "/" + a.total) : null),
      el("td", {}, who(a.institution, a.institution_name)),
      el("td", {}, a.circuit_id),
      el("td", {}, mono(a.statement_hash)),
      el("td", {}, claimSummary(a)),
      el("td", {}, pill(a.status), a.settled ? el("div", { class: "note" }, a.settled) : null,
        a.challenge ? el("div", { class: "note" }, "challenged, due block " + a.challenge.deadline) : null,
        a.superseded ? el("div", {}, pill("superseded")) : null, a.expired_data ? el("div", {}, pill("expired")) : null),
      el("td", {}, pill(a.audit.verdict), a.audit.note ? el("div", { class: "note" }, a.audit.note) : null),
      el("td", {}, verifyButton(a, host))));
    append(host, [table(["block", "kind", "institution", "circuit", "statement", "claims", "on chain", "server's audit", ""], rows, "No anchors.")]);
    return host;
  }

  function claimSummary(a) {
    const get = (n) => (a.inputs || []).find((i) => i.name === n);
    const parts = [];
    if (a.statement) parts.push(el("div", {}, a.statement.description));
    else if (a.kind === "aggregate") parts.push(el("div", { class: "note" }, "C_prev " + short((get("C_prev") || {}).hex) + " → C_G " + short((get("C_G") || {}).hex)));
    else if (a.kind === "erasure") parts.push(el("div", { class: "note" }, "C_D " + short(a.dataset) + " → C_D' " + short(a.new_dataset) + ", requests " + a.request_ids.join(", ")));
    else {
      for (const n of ["C_D", "C_W0", "C_W", "spec digest", "schema digest"]) {
        const i = get(n);
        if (i) parts.push(el("div", { class: "note" }, n + " ", mono(i.hex)));
      }
    }
    for (const i of a.inputs || []) {
      if (["min_correct", "max_sse", "excluded", "l2", "max_gradient"].includes(i.name)) parts.push(el("div", { class: "note" }, i.name + " = " + i.value));
    }
    return parts;
  }

  function renderOverview(main) {
    const s = state.snap;
    const anchors = s.anchors.filter((a) => a.kind === "verified" || a.kind === "optimistic");
    const requests = s.erasures.requests || [];
    append(main, [el("h2", {}, "Registry"),
      el("dl", { class: "record" },
        el("dt", {}, "address"), el("dd", { class: "mono" }, s.registry.address),
        el("dt", {}, "chain id"), el("dd", {}, String(s.registry.chain_id)),
        el("dt", {}, "version"), el("dd", {}, s.registry.version),
        el("dt", {}, "deployed"), el("dd", {}, "block " + s.registry.deploy_block + " by " + s.registry.deployer),
        el("dt", {}, "head"), el("dd", {}, "block " + s.head.block + ", " + utc(s.head.timestamp))),
      el("div", { class: "cards" },
        card(s.institutions.length, "institutions"), card(s.datasets.length, "datasets"),
        card(anchors.length, "training anchors"),
        card(anchors.filter((a) => a.status === "valid").length, "valid", "ok"),
        card(s.anchors.filter((a) => a.status === "invalid").length, "invalid", "bad"),
        card(s.runs.length, "checkpoint runs"), card(s.aggregates.length, "aggregates"),
        card(requests.length, "erasure requests"),
        card(requests.filter((r) => r.status === "overdue").length, "overdue", "bad")),
      el("h2", {}, "Institutions"), institutionsTable(s.institutions),
      el("h2", {}, "Anchors"), anchorsTable(s.anchors, "overview-anchors")]);
  }

  function institutionsTable(list) {
    return table(["institution", "address", "status", "datasets", "anchors", "valid", "invalid", "challenges lost", "runs", "overdue requests"],
      list.map((i) => el("tr", { "data-institution": i.address },
        el("td", {}, who(i.address, i.name || "(no name)")), el("td", {}, mono(i.address)), el("td", {}, pill(i.status)),
        el("td", {}, String(i.dataset_count)), el("td", {}, String(i.record.anchors + i.record.aggregates)),
        el("td", {}, String(i.record.valid)), el("td", {}, String(i.record.invalid)),
        el("td", {}, String(i.record.challenges_lost)), el("td", {}, String(i.record.runs)),
        el("td", {}, String(i.record.overdue_requests)))), "No institution is registered.");
  }

  function datasetsTable(list) {
    return table(["institution", "commitment C_D", "block", "retention expiry", "trainings", "erasure", "validity"],
      list.map((d) => el("tr", { "data-dataset": d.commitment },
        el("td", {}, who(d.institution, d.institution_name)), el("td", { class: "mono wrap" }, d.commitment),
        el("td", {}, String(d.block)),
        el("td", {}, d.expires_at ? [utc(d.expires_at), d.expired ? el("div", {}, pill("expired")) : null] : "none"),
        el("td", {}, String(d.trainings.length)),
        el("td", {}, d.erased_at ? ["erased in block " + d.erased_at + " into ", mono(d.erased_into)] : d.erased_from ? ["erased from ", mono(d.erased_from)] : "—"),
        el("td", {}, d.validity_anchors.length ? d.validity_anchors.map((h) => el("div", {}, "anchored ", mono(h))) : null,
          d.validity.map((v) => el("div", { class: "note" }, v.description + " (claimed in " + v.file + ", not anchored)")),
          !d.validity_anchors.length && !d.validity.length ? "—" : null))), "No dataset is anchored.");
  }

  function runsTable(list) {
    return table(["institution", "run", "circuit", "segments", "status", "last C_W", "last block", "note"],
      list.map((r) => el("tr", {}, el("td", {}, who(r.institution, r.institution_name)), el("td", {}, mono(r.run_id)),
        el("td", {}, r.circuit_id), el("td", {}, r.segments + "/" + r.total), el("td", {}, pill(r.status)),
        el("td", {}, mono(r.last_weights)), el("td", {}, String(r.last_block)), el("td", { class: "note" }, r.note))), "No checkpoint runs.");
  }

  function aggregatesTable(list) {
    return table(["block", "aggregator", "circuit", "C_prev", "C_G", "members", "on chain", "server's audit"],
      list.map((a) => el("tr", {}, el("td", {}, String(a.block)), el("td", {}, who(a.institution, a.institution_name)),
        el("td", {}, a.circuit_id), el("td", {}, mono(a.previous_model)), el("td", {}, mono(a.global_model)),
        el("td", {}, a.members.map((m) => el("div", {}, who(m.institution, m.institution_name), " ", mono(m.model)))),
        el("td", {}, pill(a.status)), el("td", {}, pill(a.audit.verdict)))), "No federated aggregates.");
  }

  function requestsTable(list) {
    return table(["#", "institution", "dataset", "leaf", "filed", "due", "status", ""],
      list.map((r) => el("tr", {}, el("td", {}, String(r.request_id)), el("td", {}, who(r.institution, r.institution_name)),
        el("td", {}, mono(r.dataset)), el("td", {}, mono(r.leaf)), el("td", {}, "block " + r.filed_block),
        el("td", {}, "block " + r.deadline), el("td", {}, pill(r.status)), el("td", { class: "note" }, r.sentence || ""))),
      "No erasure requests.");
  }

  function refutationsTable(list) {
    return table(["block", "institution", "dataset", "requests", "leaves shown absent", "server's audit"],
      list.map((f) => el("tr", { "data-refutation": f.statement_hash }, el("td", {}, String(f.block)),
        el("td", {}, who(f.institution, f.institution_name)), el("td", {}, mono(f.dataset)),
        el("td", {}, f.request_ids.join(", ")), el("td", {}, f.leaves.map((l) => el("div", {}, mono(l)))),
        el("td", {}, pill(f.audit.verdict), f.audit.note ? el("div", { class: "note" }, f.audit.note) : null))),
      "No refutations.");
  }

  function renderErasures(main) {
    const e = state.snap.erasures;
    append(main, [el("h2", {}, "Erasure requests")]);
    if (!e.supported) append(main, [el("p", { class: "muted" }, "This registry has no erasure requests (it predates registry 2.1).")]);
    append(main, [requestsTable(e.requests || []),
      el("h2", {}, "Erasures (answers)"), anchorsTable(state.snap.anchors.filter((a) => a.kind === "erasure"), "erasure-anchors"),
      el("h2", {}, "Refutations (records shown not to be in the dataset)"),
      el("p", { class: "muted" }, "A refutation is a non-membership proof: no record of the request's own dataset has the leaf it names. The server's audit re-checked each proof; the registry stores no anchor for them."),
      refutationsTable(e.refutations || [])]);
    if ((e.superseded || []).length) {
      append(main, [el("h2", {}, "Models whose data was erased"), el("ul", {}, e.superseded.map((m) => el("li", {}, m.sentence)))]);
    }
  }

  function renderInstitution(main, address) {
    const s = state.snap;
    const inst = s.institutions.find((i) => i.address.toLowerCase() === address.toLowerCase());
    if (!inst) { append(main, [el("p", { class: "error" }, "No registered institution has the address " + address + ".")]); return; }
    const r = inst.record;
    append(main, [el("h2", { "data-name": "institution" }, inst.name || "(no name)"),
      el("p", { class: "mono" }, inst.address, " ", pill(inst.status), " since block " + inst.since_block),
      el("div", { class: "cards" }, card(r.anchors, "training anchors"), card(r.valid, "valid", "ok"), card(r.invalid, "invalid", "bad"),
        card(r.pending + r.challenged, "pending"), card(r.challenges_lost, "challenges lost", r.challenges_lost ? "bad" : ""),
        card(r.aggregates, "aggregates"), card(r.runs, "runs"), card(r.broken_runs, "broken runs", r.broken_runs ? "bad" : ""),
        card(r.erasure_requests, "erasure requests"), card(r.overdue_requests, "overdue requests", r.overdue_requests ? "bad" : ""),
        card(r.audit_mismatches, "audit mismatches", r.audit_mismatches ? "bad" : "")),
      el("h3", {}, "Datasets"), datasetsTable(s.datasets.filter((d) => d.institution === inst.address)),
      el("h3", {}, "Anchors"), anchorsTable(s.anchors.filter((a) => a.institution === inst.address), "inst-anchors"),
      el("h3", {}, "Checkpoint runs"), runsTable(s.runs.filter((x) => x.institution === inst.address)),
      el("h3", {}, "Aggregates"), aggregatesTable(s.aggregates.filter((a) => a.institution === inst.address || a.members.some((m) => m.institution === inst.address))),
      el("h3", {}, "Erasure requests"), requestsTable((s.erasures.requests || []).filter((q) => String(q.institution).toLowerCase() === inst.address.toLowerCase()))]);
  }

  function renderCircuits(main) {
    append(main, [el("h2", {}, "Registered circuits"), table(["circuit", "kind", "verifier", "inputs", "circuit hash", "key", "description"],
      state.snap.circuits.map((c) => el("tr", {}, el("td", {}, c.name), el("td", {}, c.kind), el("td", {}, mono(c.verifier)),
        el("td", {}, String(c.n_public)), el("td", {}, mono(c.circuit_hash)),
        el("td", {}, c.vk ? (c.record_matches_chain ? pill("in record") : pill("record differs")) : pill("no key")),
        el("td", { class: "note" }, c.description))), "No circuits.")]);
  }

  // ------------------------------------------------------------------ a data subject's receipt

  function renderReceipt(main) {
    const out = el("div", { id: "receipt-result" });
    const input = el("input", { type: "file", accept: ".json,application/json", onchange: async (ev) => {
      clear(out);
      out.removeAttribute("data-verdict");
      const file = ev.target.files && ev.target.files[0];
      if (!file) return;
      try {
        const receipt = JSON.parse(await file.text());
        await checkReceipt(receipt, out);
      } catch (exc) {
        out.setAttribute("data-verdict", "error");
        append(out, [el("p", { class: "error" }, "This receipt cannot be checked: " + exc.message)]);
      }
    } });
    input.id = "receipt-file";
    append(main, [el("h2", {}, "Check my record"),
      el("p", {}, "Open the receipt your institution gave you (receipt-NNNNNN.json). It is read and checked in this page only: nothing is sent anywhere. ",
        "The page recomputes your record's leaf, its Merkle path and the dataset commitment, then asks the chain whether that commitment is anchored, and whether an anchored erasure proof removed your record."),
      input, out]);
  }

  async function checkReceipt(receipt, out) {
    const checks = [];
    const add = (ok, text) => checks.push({ ok, text });
    await loadConstants();
    const got = ZK.receiptCommitment(receipt);
    const claimed = ZK.toBig(receipt.commitment);
    const owner = ZK.checksumAddress(got.owner);
    const consistent = got.commitment === claimed;
    add(consistent, "your record, its salt and its path lead to C_D = " + ZK.hex32(got.commitment) + (consistent ? ", the commitment your receipt names" : ", NOT the commitment your receipt names"));
    const registry = state.config.registry.address;
    let verdict = consistent ? "present" : "invalid";
    let current = got.commitment;
    const values = receipt.values && typeof receipt.values === "object" ? receipt.values : {};
    for (let hop = 0; hop < 16 && verdict === "present"; hop++) {
      const raw = await ethCall(registry, ZK.callData(ZK.VIEW.dataset, [ZK.toBig(owner), current]));
      const words = ZK.decodeWords(raw);
      const view = ZK.decodeDatasetView(raw);
      if (!view.block) { add(false, owner + " never anchored the dataset " + short(ZK.hex32(current)) + " on this registry"); verdict = "not anchored"; break; }
      add(true, owner + " anchored the dataset " + short(ZK.hex32(current)) + " in block " + view.block);
      const erasedAt = words.length >= 8 ? Number(words[5]) : 0;
      if (!erasedAt) break;
      const into = words[6];
      add(null, "that dataset was erased in block " + erasedAt + " into " + short(ZK.hex32(into)));
      const anchor = state.snap.anchors.find((a) => a.kind === "erasure" && a.institution.toLowerCase() === owner.toLowerCase()
        && ZK.toBig(a.dataset) === current);
      if (!anchor) { add(false, "the explorer lists no erasure anchor for it"); verdict = "unverifiable"; break; }
      const result = await verifyAnchor(anchor);
      add(result.verdict === "valid", "the erasure proof " + short(anchor.statement_hash) + " is " + result.verdict + " (verified in this page)");
      if (result.verdict !== "valid") { verdict = "unverifiable"; break; }
      const inputs = result.call.inputs;
      const about = inputs[0] === got.owner && inputs[1] === current && inputs[2] === into;
      add(about, "the erasure is " + owner + "'s, from " + short(ZK.hex32(current)) + " to " + short(ZK.hex32(into)));
      if (!about) { verdict = "unverifiable"; break; }
      if (inputs.slice(3).some((l) => l === got.leaf)) {
        add(true, "it lists your record's leaf " + short(ZK.hex32(got.leaf)) + " among the erased records");
        verdict = "absent";
        break;
      }
      add(null, "it erased other records: yours is unchanged in " + short(ZK.hex32(into)));
      current = into;
    }
    const requests = ((state.snap.erasures || {}).requests || []).filter((r) => { try { return ZK.toBig(r.leaf) === got.leaf; } catch (e) { return false; } });
    const words = { present: "present — your record is in the anchored dataset", absent: "absent — your record was erased, and the erasure is proven",
      invalid: "this receipt does not check", "not anchored": "the dataset is not anchored", unverifiable: "could not be settled" };
    out.setAttribute("data-verdict", verdict);
    const tone = verdict === "present" || verdict === "absent" ? "valid" : verdict === "unverifiable" ? "unverifiable" : "invalid";
    append(out, [el("div", { class: "panel " + tone },
      el("div", { class: "verdict " + tone }, words[verdict] || verdict),
      el("ul", { class: "checks" }, checks.map((c) => el("li", { class: c.ok === null ? "info" : c.ok ? "yes" : "no" }, c.text))),
      el("h3", {}, "Your record (from your file)"),
      el("dl", { class: "record" }, Object.entries(values).map(([k, v]) => [el("dt", {}, k), el("dd", {}, String(v))]),
        el("dt", {}, "position"), el("dd", {}, String(receipt.index)), el("dt", {}, "leaf"), el("dd", { class: "mono" }, ZK.hex32(got.leaf))),
      requests.length ? [el("h3", {}, "Erasure requests naming your record"), requestsTable(requests)] : null)]);
  }

  // ------------------------------------------------------------------ routing

  const ROUTES = {
    "": renderOverview,
    institutions: (main) => append(main, [el("h2", {}, "Institutions"), institutionsTable(state.snap.institutions)]),
    datasets: (main) => append(main, [el("h2", {}, "Dataset anchors"), datasetsTable(state.snap.datasets)]),
    anchors: (main) => append(main, [el("h2", {}, "Anchors"), anchorsTable(state.snap.anchors, "all-anchors")]),
    runs: (main) => append(main, [el("h2", {}, "Checkpoint runs"), runsTable(state.snap.runs)]),
    aggregates: (main) => append(main, [el("h2", {}, "Federated aggregates"), aggregatesTable(state.snap.aggregates),
      anchorsTable(state.snap.anchors.filter((a) => a.kind === "aggregate"), "aggregate-anchors")]),
    erasures: renderErasures,
    circuits: renderCircuits,
    receipt: renderReceipt,
  };

  async function route() {
    const main = document.getElementById("main");
    const hash = location.hash.replace(/^#\/?/, "");
    const [page, arg] = hash.split("/");
    for (const a of document.querySelectorAll("nav a")) a.classList.toggle("active", a.getAttribute("href") === "#/" + (page || ""));
    state.panels.clear();
    document.body.removeAttribute("data-ready");
    try {
      if (!state.snap || page !== "receipt") state.snap = await api("overview");
      const s = state.snap;
      clear(document.getElementById("chain")).appendChild(document.createTextNode(
        "registry " + s.registry.address + " · chain " + s.registry.chain_id + " · block " + s.head.block));
      clear(main);
      if (page === "institution" && arg) renderInstitution(main, arg);
      else (ROUTES[page] || ROUTES[""])(main);
      document.body.setAttribute("data-ready", "1");
    } catch (exc) {
      clear(main);
      append(main, [el("p", { class: "error" }, "The explorer could not load the registry: " + exc.message)]);
      document.body.setAttribute("data-ready", "error");
    }
  }

  async function start() {
    try {
      state.config = await api("config");
    } catch (exc) {
      append(clear(document.getElementById("main")), [el("p", { class: "error" }, exc.message)]);
      return;
    }
    window.addEventListener("hashchange", route);
    route();
  }

  window.zkanchorExplorer = { state, verifyAnchor, checkReceipt };
  start();
})();
