//! XLSX exports of back-office tables: one sheet, a header row in Chinese and English, then the
//! rows. Whole numbers are numbers; money is yuan written as text from integer fen (no floating
//! point touches an amount), like the settlement statement. Personal data is exported as the
//! lists show it (phones masked).

use axum::http::header;
use axum::response::{IntoResponse, Response};

use crate::error::AppError;
use crate::money::Money;

/// The media type of an XLSX file.
pub const XLSX: &str = "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet";

/// Most rows an export writes (a clerk narrows the filters for more).
pub const MAX_ROWS: u64 = 10_000;

/// One cell.
#[derive(Debug, Clone)]
pub enum Cell {
    /// Text.
    Text(String),
    /// A whole number.
    Int(i64),
    /// Money: yuan with two decimals, as text.
    Fen(Money),
}

impl From<String> for Cell {
    fn from(s: String) -> Self {
        Cell::Text(s)
    }
}

impl From<&str> for Cell {
    fn from(s: &str) -> Self {
        Cell::Text(s.to_owned())
    }
}

impl From<i64> for Cell {
    fn from(n: i64) -> Self {
        Cell::Int(n)
    }
}

impl From<Money> for Cell {
    fn from(m: Money) -> Self {
        Cell::Fen(m)
    }
}

/// `¥12.30` as `12.30` (negative: `-12.30`).
#[must_use]
pub fn yuan(m: Money) -> String {
    m.to_string().replacen('¥', "", 1)
}

/// A workbook of one sheet named `name`, with `headers` and `rows`.
///
/// # Errors
/// 500 if the workbook cannot be written.
pub fn workbook(name: &str, headers: &[&str], rows: &[Vec<Cell>]) -> Result<Vec<u8>, AppError> {
    let err = |e: rust_xlsxwriter::XlsxError| AppError::Internal(anyhow::anyhow!("xlsx: {e}"));
    let mut book = rust_xlsxwriter::Workbook::new();
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(err)?;
    let bold = rust_xlsxwriter::Format::new().set_bold();
    for (col, h) in headers.iter().enumerate() {
        let col = u16::try_from(col).map_err(|e| AppError::Internal(e.into()))?;
        sheet
            .write_string_with_format(0, col, *h, &bold)
            .map_err(err)?;
        sheet.set_column_width(col, 16).map_err(err)?;
    }
    for (i, row) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).map_err(|e| AppError::Internal(e.into()))?;
        for (col, cell) in row.iter().enumerate() {
            let col = u16::try_from(col).map_err(|e| AppError::Internal(e.into()))?;
            match cell {
                Cell::Text(s) => sheet.write_string(r, col, s).map(|_| ()),
                #[allow(clippy::cast_precision_loss)] // ids and counts, far below 2^53
                Cell::Int(n) => sheet.write_number(r, col, *n as f64).map(|_| ()),
                Cell::Fen(m) => sheet.write_string(r, col, yuan(*m)).map(|_| ()),
            }
            .map_err(err)?;
        }
    }
    book.save_to_buffer().map_err(err)
}

/// The HTTP answer: the file as an attachment named `filename`.
#[must_use]
pub fn response(filename: &str, bytes: Vec<u8>) -> Response {
    (
        [
            (header::CONTENT_TYPE, XLSX.to_owned()),
            (
                header::CONTENT_DISPOSITION,
                format!("attachment; filename=\"{filename}\""),
            ),
        ],
        bytes,
    )
        .into_response()
}
