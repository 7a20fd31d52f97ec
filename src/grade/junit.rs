//! JUnit XML, which CI systems and GitHub Classroom read: one test case per criterion, a failure carrying
//! expected against got.

use super::localized::pick;
use super::report::GradeReport;
use super::subject::frame_list;
use std::fmt::Write as _;

/// Escapes text for XML, dropping the control characters XML 1.0 cannot hold.
pub fn escape(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for ch in text.chars() {
        match ch {
            '&' => out.push_str("&amp;"),
            '<' => out.push_str("&lt;"),
            '>' => out.push_str("&gt;"),
            '"' => out.push_str("&quot;"),
            '\'' => out.push_str("&apos;"),
            '\t' | '\n' | '\r' => out.push(ch),
            c if (c as u32) < 0x20 || c == '\u{fffe}' || c == '\u{ffff}' => out.push('\u{fffd}'),
            c => out.push(c),
        }
    }
    out
}

pub fn to_xml(report: &GradeReport) -> String {
    let lang = report.lang;
    let failures = report.criteria.iter().filter(|c| !c.passed).count();
    let tests = report.criteria.len();
    let time = report
        .run
        .as_ref()
        .map_or(0.0, |run| run.elapsed_ms as f64 / 1000.0);
    let suite = escape(&report.exercise);
    let mut xml = String::from("<?xml version=\"1.0\" encoding=\"UTF-8\"?>\n");
    let _ = writeln!(xml, "<testsuites name=\"socklab grade\" tests=\"{tests}\" failures=\"{failures}\" time=\"{time:.3}\">");
    let _ = writeln!(xml, "  <testsuite name=\"{suite}\" tests=\"{tests}\" failures=\"{failures}\" errors=\"0\" time=\"{time:.3}\">");
    let _ = writeln!(xml, "    <properties><property name=\"score\" value=\"{}\"/><property name=\"max_score\" value=\"{}\"/></properties>", report.score, report.max_score);
    for criterion in &report.criteria {
        let name = escape(&format!(
            "{} ({}/{})",
            criterion.name, criterion.points, criterion.max_points
        ));
        let _ = write!(
            xml,
            "    <testcase classname=\"socklab.{suite}.{}\" name=\"{name}\"",
            criterion.check
        );
        if criterion.passed {
            xml.push_str("/>\n");
            continue;
        }
        let mut body = format!(
            "{} {}\n{} {}",
            pick(lang, "expected:", "应为:"),
            criterion.expected,
            pick(lang, "got:", "实际:"),
            criterion.got
        );
        if !criterion.packets.is_empty() {
            let _ = write!(
                body,
                "\n{} {}",
                pick(lang, "packets:", "数据包:"),
                frame_list(&criterion.packets)
            );
        }
        if let Some(hint) = &criterion.hint {
            let _ = write!(body, "\n{} {hint}", pick(lang, "fix:", "改进:"));
        }
        for diagnosis in report.diagnoses_for(criterion) {
            let _ = write!(body, "\n[{}] {}", diagnosis.kind, diagnosis.explanation);
        }
        let message = format!("expected {}, got {}", criterion.expected, criterion.got);
        let _ = writeln!(
            xml,
            ">\n      <failure message=\"{}\" type=\"{}\">{}</failure>\n    </testcase>",
            escape(&message),
            criterion.check,
            escape(&body)
        );
    }
    if let Some(run) = &report.run {
        let _ = writeln!(xml, "    <system-out>{}</system-out>", escape(&run.stdout));
        let _ = writeln!(xml, "    <system-err>{}</system-err>", escape(&run.stderr));
    }
    xml.push_str("  </testsuite>\n</testsuites>\n");
    xml
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn markup_and_control_characters_are_escaped() {
        assert_eq!(escape("a<b>&\"'"), "a&lt;b&gt;&amp;&quot;&apos;");
        assert_eq!(escape("x\u{1}y\nz"), "x\u{fffd}y\nz");
    }
}
