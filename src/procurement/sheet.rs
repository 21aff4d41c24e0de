//! Order forms uploaded as a sheet (XLSX or CSV in UTF-8): a header row naming the columns
//! (商品编码或名称 / product, 规格 / spec, 数量 / quantity, 期望送达日期 / wanted_date, in any
//! order), then one line per row. Cells that cannot be read are reported with their row and
//! column; the lines go through the same dry run as a typed form.

use chrono::NaiveDate;

use super::dto::{FormLine, LineProblem};
use crate::error::{AppError, FieldCode, FieldErrors};

/// An uploaded sheet, at most.
pub const MAX_BYTES: usize = 2 * 1024 * 1024;

/// One line read from the sheet, with its row (as the spreadsheet numbers it) and the cells
/// that could not be read.
#[derive(Debug, Clone)]
pub struct SheetLine {
    /// Row number in the sheet (the header is row 1).
    pub row: usize,
    /// The line.
    pub line: FormLine,
    /// Cells that could not be read.
    pub problems: Vec<LineProblem>,
}

fn refused(message: impl Into<String>) -> AppError {
    FieldErrors::single("file", FieldCode::InvalidKind, message)
}

/// Which column holds what, from the header row.
#[derive(Debug, Default)]
struct Columns {
    product: Option<usize>,
    spec: Option<usize>,
    quantity: Option<usize>,
    wanted_date: Option<usize>,
}

fn columns(header: &[String]) -> Result<Columns, AppError> {
    let mut c = Columns::default();
    for (i, h) in header.iter().enumerate() {
        let h = h.trim().trim_start_matches('\u{feff}').to_lowercase();
        match h.as_str() {
            "商品编码"
            | "商品名称"
            | "商品"
            | "商品编码或名称"
            | "product"
            | "product_code"
            | "name" => {
                c.product = Some(i);
            }
            "规格" | "spec" | "specification" => c.spec = Some(i),
            "数量" | "quantity" | "qty" => c.quantity = Some(i),
            "期望送达日期" | "送达日期" | "wanted_date" | "date" => {
                c.wanted_date = Some(i)
            }
            _ => {}
        }
    }
    if c.product.is_none() || c.quantity.is_none() {
        return Err(refused(
            "表头须包含「商品编码或名称」和「数量」两列（可选「规格」「期望送达日期」） / the header needs product and quantity columns",
        ));
    }
    Ok(c)
}

fn cell(row: &[String], i: Option<usize>) -> String {
    i.and_then(|i| row.get(i))
        .map_or_else(String::new, |s| s.trim().to_owned())
}

/// Reads the sheet's lines (rows with every cell empty are skipped).
///
/// # Errors
/// 422 for a file that is too large, not an XLSX or UTF-8 CSV, a zip bomb, a missing header,
/// or more than `max_lines` lines; 413 is answered before this for bodies over the limit.
pub fn read(bytes: &[u8], filename: &str, max_lines: usize) -> Result<Vec<SheetLine>, AppError> {
    if bytes.len() > MAX_BYTES {
        return Err(refused("文件不能超过 2MB / the file is larger than 2 MB"));
    }
    let table = if bytes.starts_with(b"PK") || filename.to_lowercase().ends_with(".xlsx") {
        read_xlsx(bytes)?
    } else {
        read_csv(bytes)?
    };
    let mut rows = table.into_iter();
    let Some((_, header)) = rows.next() else {
        return Err(refused("文件是空的 / the file is empty"));
    };
    let cols = columns(&header)?;
    let mut out = Vec::new();
    for (row, r) in rows {
        if r.iter().all(|c| c.trim().is_empty()) {
            continue;
        }
        if out.len() == max_lines {
            return Err(refused(format!(
                "一次最多 {max_lines} 行 / at most {max_lines} lines"
            )));
        }
        let mut problems = Vec::new();
        let qty_text = cell(&r, cols.quantity);
        let quantity = qty_text
            .parse::<f64>()
            .ok()
            .filter(|q| q.fract() == 0.0 && q.abs() < 1e12)
            .map(|q| q as i64);
        if quantity.is_none() {
            problems.push(LineProblem {
                column: "quantity".into(),
                message: format!("第 {row} 行数量「{qty_text}」不是整数 / not a whole number"),
            });
        }
        let date_text = cell(&r, cols.wanted_date);
        let wanted_date = if date_text.is_empty() {
            None
        } else {
            let d = NaiveDate::parse_from_str(&date_text, "%Y-%m-%d")
                .or_else(|_| NaiveDate::parse_from_str(&date_text, "%Y/%m/%d"))
                .ok()
                .or_else(|| excel_date(&date_text));
            if d.is_none() {
                problems.push(LineProblem {
                    column: "wanted_date".into(),
                    message: format!(
                        "第 {row} 行日期「{date_text}」无法识别（如 2026-12-20） / unreadable date"
                    ),
                });
            }
            d
        };
        let product = cell(&r, cols.product);
        let spec = cell(&r, cols.spec);
        out.push(SheetLine {
            row,
            line: FormLine {
                sku_id: None,
                product: (!product.is_empty()).then_some(product),
                spec: (!spec.is_empty()).then_some(spec),
                quantity: quantity.unwrap_or(0),
                wanted_date,
            },
            problems,
        });
    }
    if out.is_empty() {
        return Err(refused("表中没有订单行 / the sheet has no lines"));
    }
    Ok(out)
}

/// A date stored as a spreadsheet serial number (days since 1899-12-30).
fn excel_date(text: &str) -> Option<NaiveDate> {
    let n: f64 = text.parse().ok()?;
    if !(1.0..200_000.0).contains(&n) {
        return None;
    }
    NaiveDate::from_ymd_opt(1899, 12, 30)?.checked_add_days(chrono::Days::new(n as u64))
}

/// Rows with their numbers as a spreadsheet shows them (1-based).
type Table = Vec<(usize, Vec<String>)>;

fn read_csv(bytes: &[u8]) -> Result<Table, AppError> {
    let text = std::str::from_utf8(bytes).map_err(|_| {
        refused("CSV 须为 UTF-8 编码（Excel 另存为「CSV UTF-8」） / CSV must be UTF-8")
    })?;
    let body = text.trim_start_matches('\u{feff}');
    let mut reader = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(body.as_bytes());
    let mut rows = Vec::new();
    for (i, rec) in reader.records().enumerate() {
        let rec =
            rec.map_err(|e| refused(format!("CSV 第 {} 行无法读取 / unreadable row: {e}", i + 1)))?;
        if rec.len() > 50 {
            return Err(refused("每行最多 50 列 / at most 50 columns"));
        }
        // The row a spreadsheet shows: newlines before the record's first byte, plus one
        // (csv's own line count skips blank lines).
        let line = rec
            .position()
            .and_then(|p| usize::try_from(p.byte()).ok())
            .map_or(i + 1, |b| {
                // The position may be that of blank lines before the record: skip them.
                let bytes = body.as_bytes();
                let mut start = b.min(bytes.len());
                while start < bytes.len() && matches!(bytes[start], b'\n' | b'\r') {
                    start += 1;
                }
                bytes[..start].iter().filter(|c| **c == b'\n').count() + 1
            });
        rows.push((line, rec.iter().map(str::to_owned).collect()));
    }
    Ok(rows)
}

/// The first sheet through the roster's reader (zip checked before reading, read cell by
/// cell within its row and cell limits), numbered as a spreadsheet shows its rows.
fn read_xlsx(bytes: &[u8]) -> Result<Table, AppError> {
    Ok(crate::coupons::roster::read_xlsx(bytes)?
        .into_iter()
        .enumerate()
        .map(|(i, cells)| (i + 1, cells))
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_csv_sheet_is_read_with_its_row_numbers_and_bad_cells() {
        let csv = "\u{feff}商品编码或名称,规格,数量,期望送达日期\nP12,5kg/箱,10,2026-12-20\n\n百色芒果,,三箱,2026/13/40\n";
        let lines = read(csv.as_bytes(), "order.csv", 1000).expect("read");
        assert_eq!(lines.len(), 2);
        assert_eq!(lines[0].row, 2);
        assert_eq!(lines[0].line.product.as_deref(), Some("P12"));
        assert_eq!(lines[0].line.quantity, 10);
        assert!(lines[0].problems.is_empty());
        assert_eq!(lines[1].row, 4);
        let cols: Vec<&str> = lines[1]
            .problems
            .iter()
            .map(|p| p.column.as_str())
            .collect();
        assert_eq!(cols, vec!["quantity", "wanted_date"]);
    }

    #[test]
    fn a_sheet_without_the_needed_header_or_too_long_is_refused() {
        assert!(read("名称,个数\n芒果,1\n".as_bytes(), "a.csv", 10).is_err());
        let many: String = std::iter::once("product,quantity\n".to_owned())
            .chain((0..11).map(|i| format!("P{i},1\n")))
            .collect();
        assert!(read(many.as_bytes(), "a.csv", 10).is_err());
        assert!(read(&[0xff, 0xfe, 0x00], "a.csv", 10).is_err());
    }

    #[test]
    fn an_xlsx_written_by_a_spreadsheet_program_is_read() {
        let mut book = rust_xlsxwriter::Workbook::new();
        let sheet = book.add_worksheet();
        for (c, h) in ["商品编码或名称", "规格", "数量"].iter().enumerate() {
            sheet
                .write_string(0, u16::try_from(c).expect("c"), *h)
                .expect("h");
        }
        sheet.write_string(1, 0, "百色芒果").expect("a");
        sheet.write_string(1, 1, "5kg/箱").expect("b");
        sheet.write_number(1, 2, 30.0).expect("c");
        let bytes = book.save_to_buffer().expect("save");
        let lines = read(&bytes, "order.xlsx", 1000).expect("read");
        assert_eq!(lines.len(), 1);
        assert_eq!(lines[0].line.quantity, 30);
        assert_eq!(lines[0].line.spec.as_deref(), Some("5kg/箱"));
    }

    #[test]
    fn a_zip_bomb_is_refused_before_reading() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let opts = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("xl/worksheets/sheet1.xml", opts)
                .expect("start");
            let zeros = vec![0u8; 1024 * 1024];
            for _ in 0..120 {
                zip.write_all(&zeros).expect("write");
            }
            zip.finish().expect("finish");
        }
        let bytes = buf.into_inner();
        assert!(
            bytes.len() < MAX_BYTES,
            "the bomb is small: {}",
            bytes.len()
        );
        let err = read(&bytes, "bomb.xlsx", 1000).expect_err("refused");
        assert!(
            err.to_string().contains("解压") || format!("{err:?}").contains("解压"),
            "{err:?}"
        );
    }
}
