pub mod analysis;
pub mod capture;
pub mod decode;
pub mod lang;
pub mod scenario;
pub mod timeline;
