//! Parses arguments, dispatches to a command, and maps errors to exit codes. Nothing else lives here.

use clap::Parser;
use socklab::app_error::{AppError, EXIT_OK};
use socklab::cli::{Cli, Command};
use socklab::commands::{self, Style};
use std::process::ExitCode;

fn main() -> ExitCode {
    let cli = Cli::parse();
    let result = match &cli.command {
        Command::Run(args) => {
            commands::run(args, Style::resolve(cli.color, cli.lang, args.output.width))
        }
        Command::Replay(args) => {
            commands::replay(args, Style::resolve(cli.color, cli.lang, args.output.width))
        }
        Command::Grade(args) => return commands::grade(args, cli.color, cli.lang),
        Command::Watch(args) => {
            commands::watch(args, Style::resolve(cli.color, cli.lang, args.output.width))
        }
        Command::Trace(args) => {
            // trace exits with its command's status; its own failures use 125-127 (see `trace --help`).
            let style = Style::resolve(cli.color, cli.lang, args.output.width);
            return match commands::trace(args, style) {
                Ok(status) => ExitCode::from(status),
                Err(error) => {
                    eprintln!("socklab: {error}");
                    ExitCode::from(commands::trace_failure_status(&error))
                }
            };
        }
        Command::Lessons => commands::lessons(Style::resolve(cli.color, cli.lang, None)),
        Command::Lesson(args) => {
            commands::lesson(args, Style::resolve(cli.color, cli.lang, args.output.width))
        }
        Command::Scenarios => {
            commands::scenarios(&mut std::io::stdout().lock()).map_err(AppError::from)
        }
    };
    match result {
        Ok(()) => ExitCode::from(EXIT_OK as u8),
        Err(error) if error.is_broken_pipe() => ExitCode::from(EXIT_OK as u8),
        Err(error) => {
            eprintln!("socklab: {error}");
            ExitCode::from(error.exit_code() as u8)
        }
    }
}
