//! Text in every language a lesson is written in: English and Simplified Chinese.

use crate::lang::Lang;
use serde::Serialize;

/// One text in both languages. Lesson files must give both; the validator refuses a lesson that does not.
#[derive(Clone, Debug, Default, PartialEq, Eq, Serialize)]
pub struct Text {
    pub en: String,
    #[serde(rename = "zh-CN")]
    pub zh_cn: String,
}

impl Text {
    pub fn new(en: impl Into<String>, zh_cn: impl Into<String>) -> Text {
        Text {
            en: en.into(),
            zh_cn: zh_cn.into(),
        }
    }

    pub fn get(&self, lang: Lang) -> &str {
        match lang {
            Lang::En => &self.en,
            Lang::ZhCn => &self.zh_cn,
        }
    }
}

/// Picks the wording of the code's own sentences.
pub(crate) fn tr(lang: Lang, en: &'static str, zh_cn: &'static str) -> &'static str {
    match lang {
        Lang::En => en,
        Lang::ZhCn => zh_cn,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn each_language_gets_its_own_text() {
        let text = Text::new("handshake", "握手");
        assert_eq!(text.get(Lang::En), "handshake");
        assert_eq!(text.get(Lang::ZhCn), "握手");
        assert_eq!(tr(Lang::ZhCn, "yes", "是"), "是");
    }
}
