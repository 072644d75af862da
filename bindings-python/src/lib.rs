//! The native module `open_connectors._native` of the Python package `open-connectors`.
//!
//! A thin layer: Python arguments become one JSON object for
//! `open_connectors::create_instance_from_options`, client settings go to the core
//! builder, core errors become the exception classes of `open_connectors._exceptions`.
//! No platform logic lives here.

mod client;
mod completion;
mod convert;
mod errors;
mod instance;
mod log;
mod runtime;

use pyo3::prelude::*;

#[pymodule]
fn _native(m: &Bound<'_, PyModule>) -> PyResult<()> {
    m.add_class::<client::PyClient>()?;
    m.add_class::<client::PyAsyncClient>()?;
    m.add_class::<instance::PyInstance>()?;
    m.add("__version__", open_connectors::VERSION)?;
    log::install();
    Ok(())
}
