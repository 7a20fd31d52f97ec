//! The batch's summary: one row per student, as CSV (for a spreadsheet) and JSON (for scripts).

use serde::{Deserialize, Serialize};
use std::fs;
use std::io;
use std::path::Path;
use std::time::Duration;

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Status {
    FullMarks,
    PointsLost,
    /// The grading of this submission could not run (or socklab crashed): see `message`.
    Error,
}

#[derive(Clone, Debug, Serialize)]
pub struct Row {
    pub student: String,
    pub score: u32,
    pub max_score: u32,
    pub status: Status,
    /// Names of the failed criteria.
    pub failed: Vec<String>,
    /// Kinds of the diagnosed bugs.
    pub diagnoses: Vec<String>,
    pub message: String,
    pub seconds: f64,
    pub report: String,
}

/// The part of a report a row needs, read back from the child's report.json.
#[derive(Deserialize)]
struct ReportHead {
    score: u32,
    max_score: u32,
    criteria: Vec<CriterionHead>,
    diagnoses: Vec<DiagnosisHead>,
}

#[derive(Deserialize)]
struct CriterionHead {
    name: String,
    passed: bool,
}

#[derive(Deserialize)]
struct DiagnosisHead {
    kind: String,
}

impl Row {
    pub fn from_report(
        student: &str,
        folder: &Path,
        json: &Path,
        elapsed: Duration,
    ) -> Result<Row, String> {
        let text =
            fs::read_to_string(json).map_err(|error| format!("{}: {error}", json.display()))?;
        let head: ReportHead =
            serde_json::from_str(&text).map_err(|error| format!("{}: {error}", json.display()))?;
        Ok(Row {
            student: student.to_string(),
            score: head.score,
            max_score: head.max_score,
            status: if head.score == head.max_score {
                Status::FullMarks
            } else {
                Status::PointsLost
            },
            failed: head
                .criteria
                .iter()
                .filter(|c| !c.passed)
                .map(|c| c.name.clone())
                .collect(),
            diagnoses: head.diagnoses.into_iter().map(|d| d.kind).collect(),
            message: String::new(),
            seconds: elapsed.as_secs_f64(),
            report: folder.join("report.txt").display().to_string(),
        })
    }

    pub fn error(student: &str, folder: &Path, message: String, elapsed: Duration) -> Row {
        Row {
            student: student.to_string(),
            score: 0,
            max_score: 0,
            status: Status::Error,
            failed: Vec::new(),
            diagnoses: Vec::new(),
            message,
            seconds: elapsed.as_secs_f64(),
            report: folder.join("report.txt").display().to_string(),
        }
    }

    /// "full marks", "lost: <criteria>", or "ERROR: <why>".
    pub fn verdict(&self) -> String {
        match self.status {
            Status::FullMarks => "full marks".to_string(),
            Status::PointsLost => format!("lost: {}", self.failed.join("; ")),
            Status::Error => format!("ERROR: {}", self.message),
        }
    }

    /// The verdict with the score, for the progress lines.
    pub fn status_text(&self) -> String {
        match self.status {
            Status::Error => self.verdict(),
            _ => format!("{}/{} {}", self.score, self.max_score, self.verdict()),
        }
    }
}

/// Quotes a CSV field when it needs it (RFC 4180).
fn csv_field(text: &str) -> String {
    if text.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", text.replace('"', "\"\""))
    } else {
        text.to_string()
    }
}

#[derive(Serialize)]
struct Summary<'a> {
    exercise: &'a str,
    submissions: usize,
    wall_time_seconds: f64,
    rows: &'a [Row],
}

pub fn write_summary(
    folder: &Path,
    exercise: &str,
    rows: &[Row],
    wall: Duration,
) -> io::Result<()> {
    let mut csv =
        String::from("student,score,max_score,status,failed,diagnoses,message,seconds,report\n");
    for row in rows {
        let status = match row.status {
            Status::FullMarks => "full_marks",
            Status::PointsLost => "points_lost",
            Status::Error => "error",
        };
        let fields = [
            csv_field(&row.student),
            row.score.to_string(),
            row.max_score.to_string(),
            status.to_string(),
            csv_field(&row.failed.join("; ")),
            csv_field(&row.diagnoses.join("; ")),
            csv_field(&row.message),
            format!("{:.2}", row.seconds),
            csv_field(&row.report),
        ];
        csv.push_str(&fields.join(","));
        csv.push('\n');
    }
    fs::write(folder.join("summary.csv"), csv)?;
    let summary = Summary {
        exercise,
        submissions: rows.len(),
        wall_time_seconds: wall.as_secs_f64(),
        rows,
    };
    let json = serde_json::to_string_pretty(&summary).map_err(io::Error::other)?;
    fs::write(folder.join("summary.json"), json)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn csv_fields_are_quoted_when_needed() {
        assert_eq!(csv_field("alice"), "alice");
        assert_eq!(csv_field("a,b"), "\"a,b\"");
        assert_eq!(csv_field("say \"hi\""), "\"say \"\"hi\"\"\"");
    }
}
