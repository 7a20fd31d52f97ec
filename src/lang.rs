//! The languages socklab explains in.

use serde::Serialize;

#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, Hash, Serialize, clap::ValueEnum)]
pub enum Lang {
    #[default]
    #[value(name = "en")]
    #[serde(rename = "en")]
    En,
    #[value(name = "zh-CN")]
    #[serde(rename = "zh-CN")]
    ZhCn,
}

impl Lang {
    /// The language the environment asks for: LC_ALL, then LC_MESSAGES, then LANG ("zh_CN.UTF-8" → Chinese).
    pub fn from_env() -> Lang {
        for var in ["LC_ALL", "LC_MESSAGES", "LANG"] {
            if let Ok(value) = std::env::var(var) {
                if value.is_empty() {
                    continue;
                }
                return Lang::from_locale(&value);
            }
        }
        Lang::En
    }

    pub fn from_locale(locale: &str) -> Lang {
        if locale.to_ascii_lowercase().starts_with("zh") {
            Lang::ZhCn
        } else {
            Lang::En
        }
    }

    pub fn code(self) -> &'static str {
        match self {
            Lang::En => "en",
            Lang::ZhCn => "zh-CN",
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chinese_locales_choose_chinese() {
        assert_eq!(Lang::from_locale("zh_CN.UTF-8"), Lang::ZhCn);
        assert_eq!(Lang::from_locale("en_US.UTF-8"), Lang::En);
        assert_eq!(Lang::from_locale("C"), Lang::En);
    }
}
