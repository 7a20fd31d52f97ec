pub mod analysis;
pub mod capture;
pub mod decode;
pub mod lang;
pub mod render;
pub mod timeline;
