//! The walkthrough page (`--format html`): one self-contained file, with no network access and no external
//! script, that a learner opens in any browser.
//!
//! It holds the title and narration, the SVG sequence diagram, and a packet table. Clicking an arrow or a
//! row opens the packet: what it means, both endpoints' states, and its layers with their sizes
//! (Ethernet 14 B / IPv4 20 B / TCP 20+ B / UDP 8 B / payload) and fields. "Step" reveals the diagram one
//! packet at a time, as Packet Tracer's simulation mode does ("Back" and "All" too; keys → ← A). The
//! address remembers the step (`page.html#step=3`), so course notes can link to a given packet.
//!
//! The page is also well-formed XML (style and script sit in CDATA sections, the data in a JSON script
//! whose `<`, `>` and `&` are escaped), so tests read it with an XML parser. Without JavaScript it still
//! shows the whole diagram and the table.

use super::scene::{Drawing, Meaning, Scene, SceneEvent, ScenePacket};
use super::svg::{write_svg, Escaped, SvgOptions, FONT_MONO, FONT_SANS};
use crate::analysis::{Role, TcpState};
use crate::lang::Lang;
use serde::Serialize;
use std::fmt::Write as _;
use std::io::{self, Write};

/// `--format html`.
#[derive(Clone, Copy, Debug, Default)]
pub struct HtmlWalkthrough;

impl Drawing for HtmlWalkthrough {
    fn draw(&self, scene: &Scene, out: &mut dyn Write) -> io::Result<()> {
        let mut page = String::with_capacity(64 * 1024);
        write_html(&mut page, scene)?;
        out.write_all(page.as_bytes())
    }
}

/// The page's own words, also handed to the script.
#[derive(Serialize)]
struct Words {
    step: &'static str,
    back: &'static str,
    all: &'static str,
    hint: &'static str,
    packets: &'static str,
    number: &'static str,
    time: &'static str,
    direction: &'static str,
    packet: &'static str,
    step_column: &'static str,
    sizes: &'static str,
    bytes: &'static str,
    meaning: &'static str,
    states: &'static str,
    layers: &'static str,
    pick: &'static str,
    shown: &'static str,
    no_script: &'static str,
}

fn words(lang: Lang) -> &'static Words {
    static EN: Words = Words {
        step: "Step ▶",
        back: "◀ Back",
        all: "All",
        hint: "Click an arrow or a row to open its packet. Step shows the exchange one packet at a time (keys → ← A).",
        packets: "Packets",
        number: "No.",
        time: "time",
        direction: "from → to",
        packet: "packet",
        step_column: "step",
        sizes: "headers + payload",
        bytes: "bytes",
        meaning: "What it means",
        states: "States after this packet",
        layers: "Layers",
        pick: "Click an arrow in the diagram or a row of the table to see the packet's layers and fields.",
        shown: "packets shown",
        no_script: "JavaScript is off: the whole diagram and the table are shown, without stepping or packet details.",
    };
    static ZH_CN: Words = Words {
        step: "下一步 ▶",
        back: "◀ 上一步",
        all: "全部",
        hint: "点击箭头或表格行可查看该包。“下一步”逐个显示包，就像 Packet Tracer 的模拟模式（按键 → ← A）。",
        packets: "数据包",
        number: "序号",
        time: "时间",
        direction: "方向",
        packet: "包",
        step_column: "步骤",
        sizes: "首部 + 载荷",
        bytes: "字节",
        meaning: "含义",
        states: "此包之后的状态",
        layers: "分层",
        pick: "点击图中的箭头或表格中的一行，查看该包的各层首部和字段。",
        shown: "个包已显示",
        no_script: "JavaScript 已关闭：显示完整的图和表格，但不能逐步显示或查看包的详情。",
    };
    match lang {
        Lang::En => &EN,
        Lang::ZhCn => &ZH_CN,
    }
}

/// One row of the table and of the script's data.
#[derive(Serialize)]
#[serde(untagged)]
enum Row<'a> {
    Packet {
        #[serde(flatten)]
        packet: &'a ScenePacket,
        /// "client → server", in the page's language.
        direction: String,
    },
    Undecodable {
        number: u64,
        undecodable: &'a str,
    },
}

#[derive(Serialize)]
struct PageData<'a> {
    lang: &'static str,
    words: &'static Words,
    client: &'static str,
    server: &'static str,
    rows: Vec<Row<'a>>,
}

fn direction(scene: &Scene, from: Option<Role>) -> String {
    let labels = scene.labels();
    match from {
        Some(Role::Client) => format!("{} → {}", labels.client, labels.server),
        Some(Role::Server) => format!("{} → {}", labels.server, labels.client),
        None => String::new(),
    }
}

/// JSON that is safe inside a `<script>` element and inside XML: `<`, `>` and `&` only occur in JSON
/// strings, where their `\u` escapes mean the same.
fn script_json(value: &impl Serialize) -> io::Result<String> {
    let json = serde_json::to_string(value)?;
    Ok(json
        .replace('<', "\\u003c")
        .replace('>', "\\u003e")
        .replace('&', "\\u0026"))
}

/// Writes the whole page.
pub fn write_html(page: &mut String, scene: &Scene) -> io::Result<()> {
    let lang = scene.lang;
    let words = words(lang);
    let labels = scene.labels();
    let _ = writeln!(page, "<!DOCTYPE html>");
    let _ = writeln!(
        page,
        r#"<html xmlns="http://www.w3.org/1999/xhtml" lang="{}">"#,
        lang.code()
    );
    let _ = writeln!(page, "<head>");
    let _ = writeln!(page, r#"<meta charset="utf-8"/>"#);
    let _ = writeln!(
        page,
        r#"<meta name="viewport" content="width=device-width, initial-scale=1"/>"#
    );
    let _ = writeln!(
        page,
        r#"<meta name="generator" content="socklab {}"/>"#,
        env!("CARGO_PKG_VERSION")
    );
    let _ = writeln!(page, "<title>{}</title>", Escaped(scene.title()));
    let _ = writeln!(page, "<style>/*<![CDATA[*/");
    write_css(page);
    let _ = writeln!(page, "/*]]>*/</style>");
    let _ = writeln!(page, "</head>");
    let _ = writeln!(page, "<body>");

    // Title and narration.
    let _ = writeln!(page, "<header>");
    let _ = writeln!(page, "<h1>{}</h1>", Escaped(scene.title()));
    if let Some(info) = &scene.info {
        if let Some(description) = &info.description {
            for line in description.lines().filter(|line| !line.trim().is_empty()) {
                let _ = writeln!(page, r#"<p class="narration">{}</p>"#, Escaped(line));
            }
        }
        let _ = writeln!(
            page,
            r#"<p class="source">{}{}{}</p>"#,
            Escaped(labels.source),
            Escaped(labels.colon),
            Escaped(&info.source)
        );
    }
    let _ = writeln!(page, "</header>");

    // Controls.
    let frames = scene
        .events
        .iter()
        .filter(|event| !matches!(event, SceneEvent::Call(_)))
        .count();
    let _ = writeln!(page, r#"<nav class="controls" id="sl-controls">"#);
    let _ = writeln!(
        page,
        r#"<button type="button" id="sl-back">{}</button><button type="button" id="sl-step" class="primary">{}</button><button type="button" id="sl-all">{}</button>"#,
        Escaped(words.back),
        Escaped(words.step),
        Escaped(words.all)
    );
    let _ = writeln!(
        page,
        r#"<span id="sl-counter">{frames} / {frames} {}</span><span class="hint">{}</span>"#,
        Escaped(words.shown),
        Escaped(words.hint)
    );
    let _ = writeln!(
        page,
        r#"<noscript><p class="hint">{}</p></noscript>"#,
        Escaped(words.no_script)
    );
    let _ = writeln!(page, "</nav>");

    // Diagram and details.
    let _ = writeln!(page, r#"<main class="layout">"#);
    let _ = writeln!(page, r#"<section class="diagram" id="sl-diagram">"#);
    write_svg(page, scene, SvgOptions::EMBEDDED);
    let _ = writeln!(page, "</section>");
    let _ = writeln!(
        page,
        r#"<aside class="details" id="sl-details" aria-live="polite"><p class="hint">{}</p></aside>"#,
        Escaped(words.pick)
    );
    let _ = writeln!(page, "</main>");

    // The packet table.
    let _ = writeln!(page, r#"<section class="table">"#);
    let _ = writeln!(page, "<h2>{}</h2>", Escaped(words.packets));
    let _ = writeln!(page, r#"<table id="sl-packets">"#);
    let _ = writeln!(
        page,
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        Escaped(words.number),
        Escaped(words.time),
        Escaped(words.direction),
        Escaped(words.packet),
        Escaped(words.step_column),
        Escaped(words.sizes),
        Escaped(words.bytes)
    );
    let _ = writeln!(page, "<tbody>");
    let mut rows = Vec::with_capacity(frames);
    for event in &scene.events {
        let index = rows.len();
        match event {
            SceneEvent::Call(_) => continue,
            SceneEvent::Packet(packet) => {
                let direction = direction(scene, packet.from);
                let _ = writeln!(
                    page,
                    r#"<tr class="sl-row sl-{class}" data-row="{index}" data-step="{step}" tabindex="0"><td>{}</td><td class="mono">{}</td><td>{}</td><td class="mono"><span class="swatch"></span>{}</td><td>{}</td><td class="mono">{}</td><td class="mono num">{}</td></tr>"#,
                    packet.number,
                    Escaped(&packet.time),
                    Escaped(&direction),
                    Escaped(&packet.label),
                    Escaped(packet.step.as_deref().unwrap_or("")),
                    Escaped(&packet.sizes),
                    packet.wire_len,
                    class = packet.meaning.class(),
                    step = index + 1,
                );
                rows.push(Row::Packet { packet, direction });
            }
            SceneEvent::Undecodable { number, text, .. } => {
                let _ = writeln!(
                    page,
                    r#"<tr class="sl-row sl-undecodable" data-row="{index}" data-step="{step}" tabindex="0"><td>{number}</td><td colspan="6">{}</td></tr>"#,
                    Escaped(text),
                    step = index + 1,
                );
                rows.push(Row::Undecodable {
                    number: *number,
                    undecodable: text,
                });
            }
        }
    }
    let _ = writeln!(page, "</tbody></table>");
    let _ = writeln!(page, "</section>");

    write_summary(page, scene);

    let data = PageData {
        lang: lang.code(),
        words,
        client: labels.client,
        server: labels.server,
        rows,
    };
    let _ = writeln!(
        page,
        r#"<script type="application/json" id="sl-data">{}</script>"#,
        script_json(&data)?
    );
    let _ = writeln!(page, "<script>//<![CDATA[\n{SCRIPT}//]]></script>");
    let _ = writeln!(page, "</body>\n</html>");
    Ok(())
}

/// Each conversation's outcome, and a loud warning if the capture lost packets.
fn write_summary(page: &mut String, scene: &Scene) {
    let labels = scene.labels();
    let Some(summary) = &scene.summary else {
        return;
    };
    let _ = writeln!(page, r#"<section class="summary">"#);
    if !summary.flows.is_empty() {
        let _ = writeln!(page, "<h2>{}</h2><ul>", Escaped(labels.flows));
        for flow in &summary.flows {
            let protocol = match flow.info.id.protocol {
                crate::analysis::FlowProtocol::Tcp => "TCP",
                crate::analysis::FlowProtocol::Udp => "UDP",
            };
            let _ = write!(
                page,
                r#"<li><strong>{protocol} {} {}</strong>{}{} {} ⇄ {} {}"#,
                Escaped(labels.stream),
                flow.info.id.index,
                Escaped(labels.colon),
                Escaped(labels.client),
                Escaped(&scene.endpoint_text(flow.info.client)),
                Escaped(labels.server),
                Escaped(&scene.endpoint_text(flow.info.server))
            );
            let states = |list: &[TcpState]| {
                list.iter()
                    .map(|state| state.name())
                    .collect::<Vec<_>>()
                    .join(" → ")
            };
            if !flow.client_states.is_empty() {
                let _ = write!(
                    page,
                    r#"<br/><span class="mono">{}{}{}</span><br/><span class="mono">{}{}{}</span>"#,
                    Escaped(labels.client_states),
                    Escaped(labels.colon),
                    states(&flow.client_states),
                    Escaped(labels.server_states),
                    Escaped(labels.colon),
                    states(&flow.server_states)
                );
            }
            let _ = writeln!(page, "</li>");
        }
        let _ = writeln!(page, "</ul>");
    }
    if !scene.stats.is_complete() {
        let _ = writeln!(
            page,
            r#"<p class="warning">{} {} {}</p>"#,
            Escaped(labels.incomplete_warning),
            scene.stats.kernel_drops,
            Escaped(labels.kernel_dropped)
        );
    }
    let _ = writeln!(page, "</section>");
}

fn write_css(page: &mut String) {
    let _ = writeln!(
        page,
        "body{{font-family:{FONT_SANS};margin:0 auto;padding:12px 20px 40px;max-width:1240px;color:#1d2733;background:#fff}}\n\
.mono,code,.details td{{font-family:{FONT_MONO}}}"
    );
    page.push_str(CSS);
    for meaning in Meaning::ALL {
        let _ = writeln!(
            page,
            ".sl-{0} .swatch,.swatch.sl-{0}{{background:{1}}} .sl-row.sl-{0} td:first-child{{box-shadow:inset 4px 0 0 {1}}}",
            meaning.class(),
            meaning.color()
        );
    }
}

const CSS: &str = r#"
h1{font-size:1.45em;margin:.3em 0 .2em}
h2{font-size:1.1em;margin:1em 0 .4em}
.narration{margin:.2em 0;font-size:1.02em;line-height:1.45}
.source{margin:.2em 0;color:#6b7785;font-size:.88em}
.controls{position:sticky;top:0;z-index:2;background:rgba(255,255,255,.96);display:flex;flex-wrap:wrap;align-items:center;gap:8px;padding:8px 0;border-bottom:1px solid #e3e8ee}
.controls button{font:inherit;font-size:.95em;padding:5px 14px;border:1px solid #9aa7b4;border-radius:6px;background:#f4f6f9;cursor:pointer}
.controls button.primary{background:#1565c0;border-color:#1565c0;color:#fff}
.controls button:disabled{opacity:.45;cursor:default}
#sl-counter{font-variant-numeric:tabular-nums;color:#37474f;margin:0 6px;font-weight:600}
.hint{color:#6b7785;font-size:.86em}
.layout{display:grid;grid-template-columns:minmax(0,1fr) 340px;gap:18px;align-items:start;margin-top:10px}
@media (max-width:900px){.layout{grid-template-columns:1fr}}
.diagram svg{max-width:100%;height:auto;display:block;margin:0 auto}
.details{position:sticky;top:56px;border:1px solid #dfe5ec;border-radius:8px;padding:10px 14px;background:#fbfcfe;font-size:.9em;max-height:calc(100vh - 80px);overflow:auto}
.details h3{margin:.2em 0 .3em;font-size:1.05em}
.details .where,.details .sizes{color:#55606d;margin:.2em 0}
.details .step{display:inline-block;font-style:italic;margin:.2em 0}
.details ul{padding-left:1.2em;margin:.3em 0}
.details table{border-collapse:collapse;width:100%;margin:.2em 0 .6em}
.details td{border-top:1px solid #e8edf2;padding:2px 4px;vertical-align:top;word-break:break-word}
.details td:first-child{color:#55606d;width:42%;font-family:inherit}
.details h4{margin:.6em 0 .1em;font-size:.95em}
.bytes{display:flex;height:26px;margin:.4em 0 .2em;border-radius:4px;overflow:hidden;font-size:.78em}
.bytes span{display:flex;align-items:center;justify-content:center;color:#fff;min-width:3.8em;white-space:nowrap;overflow:hidden;padding:0 3px}
.layer-link{background:#546e7a}.layer-ip{background:#00838f}.layer-transport{background:#3949ab}.layer-payload{background:#8d6e63}
h4.layer-link,h4.layer-ip,h4.layer-transport,h4.layer-payload{background:none}
h4 .tag{display:inline-block;width:.8em;height:.8em;border-radius:2px;margin-right:.4em;vertical-align:-1px}
table#sl-packets{border-collapse:collapse;width:100%;font-size:.88em}
#sl-packets th{text-align:left;border-bottom:2px solid #cfd8e3;padding:4px 6px;color:#37474f}
#sl-packets td{border-bottom:1px solid #edf0f4;padding:3px 6px}
#sl-packets td.num{text-align:right}
#sl-packets tr{cursor:pointer}
#sl-packets tr:hover{background:#f3f7fb}
#sl-packets tr.sl-selected{background:#e6f0fb}
#sl-packets tr.sl-later{opacity:.35}
#sl-packets tr.sl-undecodable{color:#b71c1c}
.swatch{display:inline-block;width:.7em;height:.7em;border-radius:2px;margin-right:.45em;background:#757575}
.socklab-diagram .sl-later{visibility:hidden}
.socklab-diagram .sl-packet{cursor:pointer}
.socklab-diagram .sl-packet:hover .sl-arrow{stroke-width:3}
.socklab-diagram .sl-selected .sl-arrow{stroke-width:3.5}
.socklab-diagram .sl-selected .sl-arrow,.socklab-diagram .sl-selected .sl-head{filter:drop-shadow(0 0 2px rgba(0,0,0,.4))}
.socklab-diagram .sl-now .sl-label{font-size:13.5px}
.summary li{margin:.3em 0}
.warning{color:#b71c1c;font-weight:bold}
"#;

/// Stepping, selection and the packet details. Written with DOM calls only (no innerHTML), so no text from
/// a capture is ever read as markup.
const SCRIPT: &str = r##"(function () {
  "use strict";
  var data = JSON.parse(document.getElementById("sl-data").textContent);
  var words = data.words;
  var rows = data.rows;
  var total = rows.length;
  var shown = total;
  var selected = -1;
  var diagram = document.getElementById("sl-diagram");
  var stepped = diagram.querySelectorAll("[data-step]");
  var tableRows = document.querySelectorAll("#sl-packets tbody tr");
  var details = document.getElementById("sl-details");
  var counter = document.getElementById("sl-counter");
  var back = document.getElementById("sl-back");
  var step = document.getElementById("sl-step");
  var all = document.getElementById("sl-all");

  function el(tag, className, text) {
    var node = document.createElement(tag);
    if (className) { node.className = className; }
    if (text !== undefined && text !== null) { node.textContent = String(text); }
    return node;
  }

  function apply() {
    var i, node, at;
    for (i = 0; i < stepped.length; i++) {
      node = stepped[i];
      at = Number(node.getAttribute("data-step"));
      node.classList.toggle("sl-later", at > shown);
      node.classList.toggle("sl-now", at === shown && shown < total);
    }
    for (i = 0; i < tableRows.length; i++) {
      tableRows[i].classList.toggle("sl-later", i >= shown);
    }
    counter.textContent = shown + " / " + total + " " + words.shown;
    back.disabled = shown === 0;
  }

  function highlight() {
    var i, groups = diagram.querySelectorAll(".sl-packet, .sl-undecodable");
    for (i = 0; i < groups.length; i++) {
      groups[i].classList.toggle("sl-selected", Number(groups[i].getAttribute("data-row")) === selected);
    }
    for (i = 0; i < tableRows.length; i++) {
      tableRows[i].classList.toggle("sl-selected", i === selected);
    }
  }

  function show(index) {
    selected = index;
    highlight();
    while (details.firstChild) { details.removeChild(details.firstChild); }
    var row = rows[index];
    if (!row) {
      details.appendChild(el("p", "hint", words.pick));
      return;
    }
    var heading = el("h3");
    heading.appendChild(el("span", "swatch sl-" + (row.meaning || "other")));
    heading.appendChild(document.createTextNode("#" + row.number + " " + (row.label || "")));
    details.appendChild(heading);
    if (row.undecodable) {
      details.appendChild(el("p", "warning", row.undecodable));
      return;
    }
    details.appendChild(el("p", "where mono", row.time + "  " + row.direction));
    details.appendChild(el("p", "where mono", row.addresses));
    if (row.step) { details.appendChild(el("p", "step", row.step)); }
    if (row.notes && row.notes.length) {
      details.appendChild(el("h4", null, words.meaning));
      var list = el("ul");
      row.notes.forEach(function (note) { list.appendChild(el("li", null, note)); });
      details.appendChild(list);
    }
    if (row.states) {
      details.appendChild(el("h4", null, words.states));
      var states = el("table");
      [[data.client, row.states.client], [data.server, row.states.server]].forEach(function (pair) {
        var tr = el("tr");
        tr.appendChild(el("td", null, pair[0]));
        tr.appendChild(el("td", null, pair[1]));
        states.appendChild(tr);
      });
      details.appendChild(states);
    }
    details.appendChild(el("h4", null, words.layers + " \u00b7 " + row.wire_len + " " + words.bytes));
    var bar = el("div", "bytes");
    row.layers.forEach(function (layer) {
      var part = el("span", "layer-" + layer.kind, layer.name + " " + layer.bytes);
      part.style.flexGrow = String(Math.max(layer.bytes, 1));
      part.title = layer.name + ": " + layer.bytes + " B";
      bar.appendChild(part);
    });
    details.appendChild(bar);
    row.layers.forEach(function (layer) {
      var title = el("h4");
      title.appendChild(el("span", "tag layer-" + layer.kind));
      title.appendChild(document.createTextNode(layer.name + " \u00b7 " + layer.bytes + " B"));
      details.appendChild(title);
      var fields = el("table");
      layer.fields.forEach(function (field) {
        var tr = el("tr");
        tr.appendChild(el("td", null, field[0]));
        tr.appendChild(el("td", null, field[1]));
        fields.appendChild(tr);
      });
      details.appendChild(fields);
    });
  }

  function goTo(count) {
    shown = Math.max(0, Math.min(total, count));
    apply();
    show(shown > 0 ? shown - 1 : -1);
    // The address remembers the step, so a link can open the walkthrough at a given packet.
    try { history.replaceState(null, "", "#step=" + shown); } catch (ignored) { /* file: in some browsers */ }
  }

  step.addEventListener("click", function () { goTo(shown >= total ? 1 : shown + 1); });
  back.addEventListener("click", function () { goTo(shown - 1); });
  all.addEventListener("click", function () { shown = total; apply(); });
  diagram.addEventListener("click", function (event) {
    var node = event.target;
    while (node && node !== diagram) {
      if (node.getAttribute && node.getAttribute("data-row") !== null) {
        show(Number(node.getAttribute("data-row")));
        return;
      }
      node = node.parentNode;
    }
  });
  Array.prototype.forEach.call(tableRows, function (tr, index) {
    tr.addEventListener("click", function () { show(index); });
    tr.addEventListener("keydown", function (event) {
      if (event.key === "Enter") { show(index); }
    });
  });
  document.addEventListener("keydown", function (event) {
    if (event.target && event.target.tagName === "BUTTON") { return; }
    if (event.key === "ArrowRight" || event.key === " ") { event.preventDefault(); step.click(); }
    else if (event.key === "ArrowLeft") { event.preventDefault(); back.click(); }
    else if (event.key === "a" || event.key === "A") { all.click(); }
  });

  var start = /^#step=(\d+)$/.exec(location.hash);
  if (start) {
    goTo(Number(start[1]));
  } else {
    apply();
    show(total > 0 ? 0 : -1);
  }
  document.body.setAttribute("data-ready", String(total));
}());
"##;

#[cfg(test)]
mod tests {
    use super::super::scene::test_scenes;
    use super::*;

    fn html(scene: &Scene) -> String {
        let mut out = Vec::new();
        HtmlWalkthrough.draw(scene, &mut out).unwrap();
        String::from_utf8(out).unwrap()
    }

    fn parse(text: &str) -> roxmltree::Document<'_> {
        let options = roxmltree::ParsingOptions {
            allow_dtd: true,
            ..Default::default()
        };
        roxmltree::Document::parse_with_options(text, options)
            .unwrap_or_else(|error| panic!("{error}\n{text}"))
    }

    fn count_class(document: &roxmltree::Document, class: &str) -> usize {
        document
            .descendants()
            .filter(|node| {
                node.attribute("class")
                    .is_some_and(|classes| classes.split(' ').any(|c| c == class))
            })
            .count()
    }

    #[test]
    fn the_page_is_well_formed_and_holds_diagram_table_and_data() {
        let text = html(&test_scenes::echo(Lang::En, false));
        let document = parse(&text);
        assert_eq!(document.root_element().tag_name().name(), "html");
        assert_eq!(count_class(&document, "sl-packet"), 10);
        assert_eq!(count_class(&document, "sl-row"), 10);
        let data = document
            .descendants()
            .find(|node| node.attribute("id") == Some("sl-data"))
            .unwrap()
            .text()
            .unwrap();
        let value: serde_json::Value = serde_json::from_str(data).unwrap();
        let rows = value["rows"].as_array().unwrap();
        assert_eq!(rows.len(), 10);
        assert_eq!(rows[0]["label"], "SYN seq=0");
        assert_eq!(rows[0]["direction"], "client → server");
        let layers: Vec<(&str, u64)> = rows[3]["layers"]
            .as_array()
            .unwrap()
            .iter()
            .map(|layer| {
                (
                    layer["name"].as_str().unwrap(),
                    layer["bytes"].as_u64().unwrap(),
                )
            })
            .collect();
        assert_eq!(
            layers,
            [("Ethernet", 14), ("IPv4", 20), ("TCP", 32), ("payload", 5)]
        );
        assert!(text.contains("A client connects to a server on loopback"));
    }

    #[test]
    fn nothing_is_fetched_from_the_network() {
        let text = html(&test_scenes::echo(Lang::En, false));
        for needle in ["http://", "https://", " src=", "<link", "@import", "url("] {
            let found = text
                .match_indices(needle)
                .map(|(index, _)| &text[index.saturating_sub(30)..index + 40])
                .filter(|context| !context.contains("www.w3.org/"))
                .collect::<Vec<_>>();
            assert!(found.is_empty(), "{needle}: {found:?}");
        }
    }

    #[test]
    fn capture_text_cannot_close_the_script() {
        let json = script_json(&"</script><b>&").unwrap();
        assert_eq!(json, "\"\\u003c/script\\u003e\\u003cb\\u003e\\u0026\"");
        let back: String = serde_json::from_str(&json).unwrap();
        assert_eq!(back, "</script><b>&");
        let text = html(&test_scenes::udp_refused(Lang::En));
        parse(&text);
        assert!(text.contains("<title>UDP &lt;closed&gt; &amp; &quot;port&quot;</title>"));
    }

    #[test]
    fn the_page_speaks_chinese_when_asked() {
        let text = html(&test_scenes::echo(Lang::ZhCn, false));
        parse(&text);
        assert!(text.contains(r#"lang="zh-CN""#));
        assert!(text.contains("下一步 ▶"));
        assert!(text.contains("客户端 → 服务器"));
        assert!(text.contains("Noto Sans CJK SC"));
    }
}
