//! Reading a 数电票 (fully digital electronic VAT invoice) from its XML.
//!
//! The layout (root `EInvoice`) is the one described in PROCUREMENT.md: the number and issue
//! time under `TaxSupervisionInfo`, seller and buyer under `EInvoiceData`, totals under
//! `BasicInformation`, one `IssuItemInformation` per line, and for a red invoice the number of
//! the invoice it reverses under `SpecificInformation/RedEInvoice`. Real files vary, so every
//! element is found by its local name (namespaces ignored) and every amount is checked:
//! line amount + tax = line total, the lines add up to the totals, and totals agree with each
//! other, exactly in fen. A discount is a negative line right under the line it discounts
//! (same item name, no quantity): it is folded into that line.
//!
//! The file may be the XML itself or the zip the tax bureau's site hands out (XML, PDF and OFD
//! side by side); sizes are bounded before anything is decompressed.

use std::io::Read;

use chrono::{NaiveDate, NaiveDateTime};
use rust_decimal::Decimal;
use serde::Serialize;
use utoipa::ToSchema;

use crate::money::Money;

/// Largest XML accepted (a real invoice of a few hundred lines is well under 1 MB).
pub const MAX_XML_BYTES: u64 = 2 * 1024 * 1024;
/// Most lines an invoice may have.
pub const MAX_LINES: usize = 2_000;
/// Largest zip accepted, and most entries in it.
const MAX_ZIP_ENTRIES: usize = 16;

/// How a line is taxed.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum TaxRate {
    /// 免税: exempt (common for primary farm produce sold by its producer).
    Exempt,
    /// 不征税: outside the scope of VAT.
    NotTaxable,
    /// A rate in basis points (9% = 900).
    Percent {
        /// Basis points: 1% = 100.
        basis_points: u32,
    },
}

impl TaxRate {
    /// Reads the forms seen in real files: `免税`, `不征税`, `0.09`, `9%`, `9`, `0.13`, `0`.
    ///
    /// # Errors
    /// When the text is none of these.
    pub fn parse(text: &str) -> Result<TaxRate, String> {
        let t = text.trim();
        match t {
            "免税" => return Ok(TaxRate::Exempt),
            "不征税" => return Ok(TaxRate::NotTaxable),
            _ => {}
        }
        let (number, percent) = match t.strip_suffix('%') {
            Some(n) => (n.trim(), true),
            None => (t, false),
        };
        let value: Decimal = number
            .parse()
            .map_err(|_| format!("税率「{t}」无法识别 / unreadable tax rate"))?;
        // "0.09" is a fraction; "9" or "9%" are percents.
        let percent_value = if percent || value > Decimal::ONE {
            value
        } else {
            value * Decimal::from(100)
        };
        let bp = percent_value * Decimal::from(100);
        if bp.fract() != Decimal::ZERO || bp < Decimal::ZERO || bp > Decimal::from(10_000) {
            return Err(format!("税率「{t}」无法识别 / unreadable tax rate"));
        }
        let basis_points = u32::try_from(bp.mantissa() / 10_i128.pow(bp.scale()))
            .map_err(|_| format!("税率「{t}」无法识别 / unreadable tax rate"))?;
        Ok(TaxRate::Percent { basis_points })
    }

    /// The tax this rate puts on `amount` (before tax), rounded half up to the fen.
    #[must_use]
    pub fn tax_on(self, amount: Money) -> Money {
        match self {
            TaxRate::Exempt | TaxRate::NotTaxable => Money::ZERO,
            TaxRate::Percent { basis_points } => {
                let raw = i128::from(amount.fen()) * i128::from(basis_points);
                let half = if raw >= 0 { 5_000 } else { -5_000 };
                Money::from_fen(i64::try_from((raw + half) / 10_000).unwrap_or(i64::MAX))
            }
        }
    }

    /// The stored text of this rate: `exempt`, `not_taxable` or the basis points.
    #[must_use]
    pub fn to_stored(self) -> String {
        match self {
            TaxRate::Exempt => "exempt".into(),
            TaxRate::NotTaxable => "not_taxable".into(),
            TaxRate::Percent { basis_points } => basis_points.to_string(),
        }
    }

    /// Reads [`TaxRate::to_stored`]'s text.
    #[must_use]
    pub fn from_stored(text: &str) -> Option<TaxRate> {
        match text {
            "exempt" => Some(TaxRate::Exempt),
            "not_taxable" => Some(TaxRate::NotTaxable),
            n => n
                .parse()
                .ok()
                .filter(|bp| *bp <= 10_000)
                .map(|basis_points| TaxRate::Percent { basis_points }),
        }
    }
}

/// One line of an invoice, with any discount line under it folded in.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct InvoiceLine {
    /// Position on the invoice, from 1 (discount lines not counted).
    pub line_no: u32,
    /// `ItemName`, e.g. `*水果*百色芒果` (the tax category between asterisks).
    pub item_name: String,
    /// `SpecMod`.
    pub spec: Option<String>,
    /// `MeaUnits`.
    pub unit: Option<String>,
    /// `Quantity` as written (decimal text), if any.
    pub quantity: Option<String>,
    /// `UnPrice` as written (decimal text, before tax), if any.
    pub unit_price: Option<String>,
    /// Amount before tax, net of the discount.
    #[schema(value_type = i64)]
    pub amount_fen: Money,
    /// The discount folded into this line (zero or negative).
    #[schema(value_type = i64)]
    pub discount_fen: Money,
    /// How the line is taxed.
    pub tax_rate: TaxRate,
    /// Tax, net of the discount's.
    #[schema(value_type = i64)]
    pub tax_fen: Money,
    /// Amount including tax, net of the discount.
    #[schema(value_type = i64)]
    pub total_fen: Money,
}

impl InvoiceLine {
    /// The item name without the tax category (`*水果*百色芒果` gives `百色芒果`).
    #[must_use]
    pub fn product_name(&self) -> &str {
        let name = self.item_name.trim();
        if let Some(rest) = name.strip_prefix('*')
            && let Some((_, after)) = rest.split_once('*')
        {
            return after.trim();
        }
        name
    }

    /// The quantity, if written and readable.
    #[must_use]
    pub fn quantity_decimal(&self) -> Option<Decimal> {
        self.quantity.as_deref().and_then(|q| q.trim().parse().ok())
    }
}

/// Whether the invoice is an ordinary or a special VAT invoice.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum VatKind {
    /// 普通发票.
    General,
    /// 专用发票.
    Special,
}

/// An invoice read from its XML.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, ToSchema)]
pub struct EInvoice {
    /// `InvoiceNumber`: 20 digits.
    pub number: String,
    /// Business date of issue (from `IssueTime`).
    pub issue_date: NaiveDate,
    /// Ordinary or special, when the file says.
    pub vat_kind: Option<VatKind>,
    /// `SellerIdNum` (the supplier's USCC).
    pub seller_id: String,
    /// `SellerName`.
    pub seller_name: String,
    /// `BuyerIdNum` (the budget unit's USCC).
    pub buyer_id: String,
    /// `BuyerName`.
    pub buyer_name: String,
    /// `TotalAmWithoutTax`.
    #[schema(value_type = i64)]
    pub total_without_tax_fen: Money,
    /// `TotalTaxAm`.
    #[schema(value_type = i64)]
    pub total_tax_fen: Money,
    /// `TotalTax-includedAmount`.
    #[schema(value_type = i64)]
    pub total_fen: Money,
    /// The lines, discounts folded in.
    pub lines: Vec<InvoiceLine>,
    /// For a red (reversing) invoice: the number of the blue invoice it reverses.
    pub reverses: Option<String>,
}

impl EInvoice {
    /// Whether this is a red invoice (it reverses another; its amounts are negative).
    #[must_use]
    pub fn is_red(&self) -> bool {
        self.reverses.is_some()
    }
}

/// Why an invoice file was refused. The message names the element or the line.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{message}")]
pub struct EInvoiceError {
    /// Stable snake_case reason: `invoice_xml`, `invoice_field`, `invoice_totals`,
    /// `invoice_line`, `invoice_too_large`, `invoice_zip`.
    pub code: &'static str,
    /// Chinese, then English.
    pub message: String,
}

fn fail(code: &'static str, message: impl Into<String>) -> EInvoiceError {
    EInvoiceError {
        code,
        message: message.into(),
    }
}

/// Reads an invoice from an uploaded file: the XML itself, or a zip holding exactly one XML.
///
/// # Errors
/// [`EInvoiceError`] saying what is wrong (too large, not XML, a missing or unreadable field,
/// amounts that do not add up).
pub fn read_file(bytes: &[u8]) -> Result<EInvoice, EInvoiceError> {
    if bytes.starts_with(b"PK\x03\x04") {
        let xml = xml_from_zip(bytes)?;
        return parse(&xml);
    }
    if bytes.len() as u64 > MAX_XML_BYTES {
        return Err(fail(
            "invoice_too_large",
            "发票XML超过2MB / the invoice XML is larger than 2 MB",
        ));
    }
    let text = std::str::from_utf8(bytes).map_err(|_| {
        fail(
            "invoice_xml",
            "发票文件不是UTF-8编码的XML / the invoice is not UTF-8 XML",
        )
    })?;
    parse(text)
}

fn xml_from_zip(bytes: &[u8]) -> Result<String, EInvoiceError> {
    let bad_zip = || fail("invoice_zip", "压缩包无法读取 / unreadable zip file");
    let mut archive = zip::ZipArchive::new(std::io::Cursor::new(bytes)).map_err(|_| bad_zip())?;
    if archive.len() > MAX_ZIP_ENTRIES {
        return Err(fail(
            "invoice_zip",
            "压缩包内文件过多 / too many files in the zip",
        ));
    }
    let mut found = None;
    for i in 0..archive.len() {
        let entry = archive.by_index(i).map_err(|_| bad_zip())?;
        if entry.is_file()
            && entry
                .name()
                .is_ok_and(|n| n.to_ascii_lowercase().ends_with(".xml"))
        {
            if found.is_some() {
                return Err(fail(
                    "invoice_zip",
                    "压缩包内有多个XML，请只上传一张发票 / more than one XML in the zip",
                ));
            }
            found = Some(i);
        }
    }
    let index = found.ok_or_else(|| {
        fail(
            "invoice_zip",
            "压缩包内没有发票XML / no invoice XML in the zip",
        )
    })?;
    let entry = archive.by_index(index).map_err(|_| bad_zip())?;
    if entry.size() > MAX_XML_BYTES {
        return Err(fail(
            "invoice_too_large",
            "发票XML超过2MB / the invoice XML is larger than 2 MB",
        ));
    }
    // The declared size may lie: read at most one byte more than allowed.
    let mut xml = Vec::new();
    entry
        .take(MAX_XML_BYTES + 1)
        .read_to_end(&mut xml)
        .map_err(|_| bad_zip())?;
    if xml.len() as u64 > MAX_XML_BYTES {
        return Err(fail(
            "invoice_too_large",
            "发票XML超过2MB / the invoice XML is larger than 2 MB",
        ));
    }
    String::from_utf8(xml).map_err(|_| {
        fail(
            "invoice_xml",
            "发票文件不是UTF-8编码的XML / the invoice is not UTF-8 XML",
        )
    })
}

type Node<'a, 'i> = roxmltree::Node<'a, 'i>;

fn child<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.children()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn find<'a, 'i>(node: Node<'a, 'i>, name: &str) -> Option<Node<'a, 'i>> {
    node.descendants()
        .find(|n| n.is_element() && n.tag_name().name() == name)
}

fn text_of(node: Option<Node<'_, '_>>) -> Option<String> {
    node.and_then(|n| n.text())
        .map(str::trim)
        .filter(|t| !t.is_empty())
        .map(str::to_owned)
}

fn required(root: Node<'_, '_>, name: &str, label: &str) -> Result<String, EInvoiceError> {
    text_of(find(root, name)).ok_or_else(|| {
        fail(
            "invoice_field",
            format!("发票缺少{label}（{name}）/ the invoice has no {name}"),
        )
    })
}

fn amount(text: &str, what: &str) -> Result<Money, EInvoiceError> {
    Money::parse_yuan(text.trim()).map_err(|_| {
        fail(
            "invoice_field",
            format!("{what}「{text}」不是金额 / {what} is not an amount"),
        )
    })
}

/// Reads an invoice from its XML text.
///
/// # Errors
/// As [`read_file`].
pub fn parse(xml: &str) -> Result<EInvoice, EInvoiceError> {
    let doc = roxmltree::Document::parse(xml).map_err(|e| {
        fail(
            "invoice_xml",
            format!("发票XML格式错误：{e} / malformed invoice XML: {e}"),
        )
    })?;
    let root = doc.root_element();
    if root.tag_name().name() != "EInvoice" {
        return Err(fail(
            "invoice_xml",
            format!(
                "不是数电票XML（根元素为 {}）/ not an e-invoice (root element {})",
                root.tag_name().name(),
                root.tag_name().name()
            ),
        ));
    }
    let number = required(root, "InvoiceNumber", "发票号码")?;
    if number.len() != 20 || !number.bytes().all(|b| b.is_ascii_digit()) {
        return Err(fail(
            "invoice_field",
            format!("发票号码「{number}」应为20位数字 / the invoice number must be 20 digits"),
        ));
    }
    let issue_text = text_of(find(root, "IssueTime"))
        .or_else(|| text_of(find(root, "RequestTime")))
        .ok_or_else(|| {
            fail(
                "invoice_field",
                "发票缺少开票时间（IssueTime）/ the invoice has no IssueTime",
            )
        })?;
    let issue_date = parse_date(&issue_text)?;
    let vat_kind = find(root, "GeneralOrSpecialVAT")
        .and_then(|n| text_of(child(n, "LabelName")).or_else(|| text_of(Some(n))))
        .and_then(|label| {
            if label.contains("专用") {
                Some(VatKind::Special)
            } else if label.contains("普通") {
                Some(VatKind::General)
            } else {
                None
            }
        });
    let seller_id = required(root, "SellerIdNum", "销售方纳税人识别号")?;
    let seller_name = required(root, "SellerName", "销售方名称")?;
    let buyer_id = required(root, "BuyerIdNum", "购买方纳税人识别号")?;
    let buyer_name = required(root, "BuyerName", "购买方名称")?;
    let total_without_tax = amount(
        &required(root, "TotalAmWithoutTax", "合计金额")?,
        "合计金额 TotalAmWithoutTax",
    )?;
    let total_tax = amount(
        &required(root, "TotalTaxAm", "合计税额")?,
        "合计税额 TotalTaxAm",
    )?;
    let total = amount(
        &required(root, "TotalTax-includedAmount", "价税合计")?,
        "价税合计 TotalTax-includedAmount",
    )?;
    let reverses = find(root, "RedEInvoice").and_then(|red| {
        text_of(find(red, "OriginalInvoiceNumber"))
            .or_else(|| text_of(find(red, "OriginalInvoiceCode")))
    });
    let items: Vec<Node<'_, '_>> = root
        .descendants()
        .filter(|n| n.is_element() && n.tag_name().name() == "IssuItemInformation")
        .collect();
    if items.is_empty() {
        return Err(fail(
            "invoice_line",
            "发票没有明细行 / the invoice has no lines",
        ));
    }
    if items.len() > MAX_LINES {
        return Err(fail(
            "invoice_too_large",
            format!("发票明细超过{MAX_LINES}行 / more than {MAX_LINES} lines"),
        ));
    }
    let lines = read_lines(&items, reverses.is_some())?;
    check_totals(&lines, total_without_tax, total_tax, total)?;
    Ok(EInvoice {
        number,
        issue_date,
        vat_kind,
        seller_id,
        seller_name,
        buyer_id,
        buyer_name,
        total_without_tax_fen: total_without_tax,
        total_tax_fen: total_tax,
        total_fen: total,
        lines,
        reverses,
    })
}

fn parse_date(text: &str) -> Result<NaiveDate, EInvoiceError> {
    let t = text.trim();
    for format in ["%Y-%m-%d %H:%M:%S", "%Y-%m-%dT%H:%M:%S", "%Y%m%d%H%M%S"] {
        if let Ok(dt) = NaiveDateTime::parse_from_str(t, format) {
            return Ok(dt.date());
        }
    }
    for format in ["%Y-%m-%d", "%Y%m%d", "%Y年%m月%d日"] {
        if let Ok(d) = NaiveDate::parse_from_str(t, format) {
            return Ok(d);
        }
    }
    Err(fail(
        "invoice_field",
        format!("开票时间「{t}」无法识别 / unreadable issue time"),
    ))
}

/// One `IssuItemInformation` as written.
struct RawLine {
    item_name: String,
    spec: Option<String>,
    unit: Option<String>,
    quantity: Option<String>,
    unit_price: Option<String>,
    amount: Money,
    tax_rate: TaxRate,
    tax: Money,
    total: Money,
}

fn read_raw(node: Node<'_, '_>, position: usize) -> Result<RawLine, EInvoiceError> {
    let at = |field: &str| format!("第{position}行{field} / line {position} {field}");
    let item_name = text_of(child(node, "ItemName")).ok_or_else(|| {
        fail(
            "invoice_line",
            format!("第{position}行缺少项目名称 / line {position} has no ItemName"),
        )
    })?;
    let amount_text = text_of(child(node, "Amount")).ok_or_else(|| {
        fail(
            "invoice_line",
            format!("第{position}行缺少金额 / line {position} has no Amount"),
        )
    })?;
    let line_amount = amount(&amount_text, &at("金额 Amount"))?;
    let rate_text = text_of(child(node, "TaxRate")).ok_or_else(|| {
        fail(
            "invoice_line",
            format!("第{position}行缺少税率 / line {position} has no TaxRate"),
        )
    })?;
    let tax_rate = TaxRate::parse(&rate_text).map_err(|m| {
        fail(
            "invoice_line",
            format!("第{position}行：{m} / line {position}"),
        )
    })?;
    // Exempt lines write "***" (or nothing) for the tax.
    let tax = match text_of(child(node, "ComTaxAm")) {
        Some(t) if t.chars().all(|c| c == '*') => Money::ZERO,
        Some(t) => amount(&t, &at("税额 ComTaxAm"))?,
        None => Money::ZERO,
    };
    if matches!(tax_rate, TaxRate::Exempt | TaxRate::NotTaxable) && tax != Money::ZERO {
        return Err(fail(
            "invoice_line",
            format!(
                "第{position}行免税/不征税却有税额 / line {position}: exempt with a tax amount"
            ),
        ));
    }
    let expected_tax = tax_rate.tax_on(line_amount);
    if (tax.fen() - expected_tax.fen()).abs() > 1 {
        return Err(fail(
            "invoice_line",
            format!(
                "第{position}行税额 {tax} 与金额 {line_amount} × 税率不符（应为 {expected_tax}）/ line {position}: tax does not match amount x rate"
            ),
        ));
    }
    let total = match text_of(child(node, "TotaltaxIncludedAmount")) {
        Some(t) => amount(&t, &at("价税合计 TotaltaxIncludedAmount"))?,
        None => line_amount + tax,
    };
    if total != line_amount + tax {
        return Err(fail(
            "invoice_line",
            format!(
                "第{position}行金额 {line_amount} + 税额 {tax} ≠ 价税合计 {total} / line {position}: amount + tax != total"
            ),
        ));
    }
    let quantity = text_of(child(node, "Quantity"));
    if let Some(q) = &quantity
        && q.parse::<Decimal>().is_err()
    {
        return Err(fail(
            "invoice_line",
            format!(
                "第{position}行数量「{q}」不是数字 / line {position}: quantity is not a number"
            ),
        ));
    }
    let unit_price = text_of(child(node, "UnPrice"));
    if let Some(p) = &unit_price
        && p.parse::<Decimal>().is_err()
    {
        return Err(fail(
            "invoice_line",
            format!(
                "第{position}行单价「{p}」不是数字 / line {position}: unit price is not a number"
            ),
        ));
    }
    Ok(RawLine {
        item_name,
        spec: text_of(child(node, "SpecMod")),
        unit: text_of(child(node, "MeaUnits")),
        quantity,
        unit_price,
        amount: line_amount,
        tax_rate,
        tax,
        total,
    })
}

fn read_lines(items: &[Node<'_, '_>], red: bool) -> Result<Vec<InvoiceLine>, EInvoiceError> {
    let mut lines: Vec<InvoiceLine> = Vec::with_capacity(items.len());
    for (i, node) in items.iter().enumerate() {
        let position = i + 1;
        let raw = read_raw(*node, position)?;
        // A discount line: negative, no quantity, right under a line of the same item.
        let is_discount = !red && raw.amount.is_negative() && raw.quantity.is_none();
        if is_discount {
            let Some(previous) = lines.last_mut() else {
                return Err(fail(
                    "invoice_line",
                    format!(
                        "第{position}行是折扣行，但上面没有被折扣的行 / line {position}: a discount with no line above"
                    ),
                ));
            };
            if previous.item_name != raw.item_name || previous.tax_rate != raw.tax_rate {
                return Err(fail(
                    "invoice_line",
                    format!(
                        "第{position}行折扣与上一行的项目或税率不同 / line {position}: the discount does not match the line above"
                    ),
                ));
            }
            previous.amount_fen += raw.amount;
            previous.discount_fen += raw.amount;
            previous.tax_fen += raw.tax;
            previous.total_fen += raw.total;
            if previous.amount_fen.is_negative() {
                return Err(fail(
                    "invoice_line",
                    format!(
                        "第{position}行折扣大于被折扣的金额 / line {position}: the discount exceeds the line"
                    ),
                ));
            }
            continue;
        }
        if !red && raw.amount.is_negative() {
            return Err(fail(
                "invoice_line",
                format!(
                    "第{position}行金额为负，蓝字发票不应有负数行 / line {position}: a negative line on a blue invoice"
                ),
            ));
        }
        if red && raw.amount.fen() > 0 {
            return Err(fail(
                "invoice_line",
                format!(
                    "第{position}行金额为正，红字发票的行应为负数 / line {position}: a positive line on a red invoice"
                ),
            ));
        }
        let line_no = u32::try_from(lines.len() + 1).unwrap_or(u32::MAX);
        lines.push(InvoiceLine {
            line_no,
            item_name: raw.item_name,
            spec: raw.spec,
            unit: raw.unit,
            quantity: raw.quantity,
            unit_price: raw.unit_price,
            amount_fen: raw.amount,
            discount_fen: Money::ZERO,
            tax_rate: raw.tax_rate,
            tax_fen: raw.tax,
            total_fen: raw.total,
        });
    }
    Ok(lines)
}

fn check_totals(
    lines: &[InvoiceLine],
    total_without_tax: Money,
    total_tax: Money,
    total: Money,
) -> Result<(), EInvoiceError> {
    let sum_amount: Money = lines.iter().map(|l| l.amount_fen).sum();
    let sum_tax: Money = lines.iter().map(|l| l.tax_fen).sum();
    if sum_amount != total_without_tax {
        return Err(fail(
            "invoice_totals",
            format!(
                "明细金额之和 {sum_amount} ≠ 合计金额 {total_without_tax} / line amounts do not add up to TotalAmWithoutTax"
            ),
        ));
    }
    if sum_tax != total_tax {
        return Err(fail(
            "invoice_totals",
            format!(
                "明细税额之和 {sum_tax} ≠ 合计税额 {total_tax} / line taxes do not add up to TotalTaxAm"
            ),
        ));
    }
    if total_without_tax + total_tax != total {
        return Err(fail(
            "invoice_totals",
            format!(
                "合计金额 {total_without_tax} + 合计税额 {total_tax} ≠ 价税合计 {total} / totals do not add up"
            ),
        ));
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    const SAMPLE: &str = include_str!("testdata/einvoice-sample.xml");

    fn fen(n: i64) -> Money {
        Money::from_fen(n)
    }

    #[test]
    fn reads_the_sample_with_its_discount_folded() {
        let inv = parse(SAMPLE).expect("sample parses");
        assert_eq!(inv.number, "25442000000012345678");
        assert_eq!(
            inv.issue_date,
            NaiveDate::from_ymd_opt(2026, 11, 20).expect("date")
        );
        assert_eq!(inv.vat_kind, Some(VatKind::General));
        assert_eq!(inv.seller_id, "91451024MA5N000001");
        assert_eq!(inv.buyer_id, "12440304MB2C00000X");
        assert_eq!(inv.total_without_tax_fen, fen(112_000));
        assert_eq!(inv.total_tax_fen, fen(1_800));
        assert_eq!(inv.total_fen, fen(113_800));
        assert_eq!(inv.lines.len(), 2);
        let mango = &inv.lines[0];
        assert_eq!(mango.product_name(), "百色芒果");
        assert_eq!(mango.amount_fen, fen(92_000));
        assert_eq!(mango.discount_fen, fen(-3_000));
        assert_eq!(mango.total_fen, fen(92_000));
        assert_eq!(mango.tax_rate, TaxRate::Exempt);
        assert_eq!(mango.quantity.as_deref(), Some("10"));
        let rice = &inv.lines[1];
        assert_eq!(rice.tax_rate, TaxRate::Percent { basis_points: 900 });
        assert_eq!(rice.tax_fen, fen(1_800));
        assert_eq!(rice.total_fen, fen(21_800));
        assert!(!inv.is_red());
    }

    #[test]
    fn tax_rates_in_every_written_form() {
        assert_eq!(TaxRate::parse("免税"), Ok(TaxRate::Exempt));
        assert_eq!(TaxRate::parse("不征税"), Ok(TaxRate::NotTaxable));
        for (text, bp) in [
            ("0.09", 900),
            ("9%", 900),
            ("9", 900),
            ("0.13", 1300),
            ("13%", 1300),
            ("0", 0),
            ("0.015", 150),
            ("1.5%", 150),
        ] {
            assert_eq!(
                TaxRate::parse(text),
                Ok(TaxRate::Percent { basis_points: bp }),
                "{text}"
            );
        }
        for bad in ["", "abc", "-0.09", "0.12345", "150%"] {
            assert!(TaxRate::parse(bad).is_err(), "{bad}");
        }
        for rate in [
            TaxRate::Exempt,
            TaxRate::NotTaxable,
            TaxRate::Percent { basis_points: 900 },
        ] {
            assert_eq!(TaxRate::from_stored(&rate.to_stored()), Some(rate));
        }
    }

    #[test]
    fn tax_rounds_half_up_to_the_fen() {
        let nine = TaxRate::Percent { basis_points: 900 };
        assert_eq!(nine.tax_on(fen(20_000)), fen(1_800));
        assert_eq!(nine.tax_on(fen(50)), fen(5)); // 4.5 fen -> 5
        assert_eq!(nine.tax_on(fen(-50)), fen(-5));
        assert_eq!(TaxRate::Exempt.tax_on(fen(12_345)), Money::ZERO);
    }

    #[test]
    fn totals_that_do_not_add_up_are_refused() {
        let wrong = SAMPLE.replace(
            "<TotalAmWithoutTax>1120.00</TotalAmWithoutTax>",
            "<TotalAmWithoutTax>1150.00</TotalAmWithoutTax>",
        );
        let err = parse(&wrong).expect_err("refused");
        assert_eq!(err.code, "invoice_totals");
        let wrong_line = SAMPLE.replace(
            "<TotaltaxIncludedAmount>218.00</TotaltaxIncludedAmount>",
            "<TotaltaxIncludedAmount>219.00</TotaltaxIncludedAmount>",
        );
        let err = parse(&wrong_line).expect_err("refused");
        assert_eq!(err.code, "invoice_line");
        assert!(err.message.contains("第3行"), "{}", err.message);
        let wrong_tax = SAMPLE.replace("<ComTaxAm>18.00</ComTaxAm>", "<ComTaxAm>20.00</ComTaxAm>");
        assert_eq!(parse(&wrong_tax).expect_err("refused").code, "invoice_line");
    }

    #[test]
    fn missing_fields_and_non_invoices_are_named() {
        let no_number = SAMPLE.replace("<InvoiceNumber>25442000000012345678</InvoiceNumber>", "");
        let err = parse(&no_number).expect_err("refused");
        assert!(err.message.contains("InvoiceNumber"), "{}", err.message);
        assert_eq!(
            parse("<Invoice/>").expect_err("refused").code,
            "invoice_xml"
        );
        assert_eq!(parse("not xml").expect_err("refused").code, "invoice_xml");
        let short = SAMPLE.replace("25442000000012345678", "1234");
        assert_eq!(parse(&short).expect_err("refused").code, "invoice_field");
    }

    #[test]
    fn a_red_invoice_names_the_blue_one_and_is_negative() {
        let red = SAMPLE
            .replace(
                "</EInvoiceData>",
                "<SpecificInformation><RedEInvoice><OriginalInvoiceNumber>25442000000012345678</OriginalInvoiceNumber></RedEInvoice></SpecificInformation></EInvoiceData>",
            )
            .replace("25442000000012345678</InvoiceNumber>", "25442000000099999999</InvoiceNumber>");
        // Blue amounts on a red invoice are refused.
        assert_eq!(parse(&red).expect_err("refused").code, "invoice_line");
        let red = red
            .replace("<Amount>950.00</Amount>", "<Amount>-920.00</Amount>")
            .replace(
                "<TotaltaxIncludedAmount>950.00</TotaltaxIncludedAmount>",
                "<TotaltaxIncludedAmount>-920.00</TotaltaxIncludedAmount>",
            )
            .replace("<Quantity>10</Quantity>", "<Quantity>-10</Quantity>")
            .replace("<Amount>200.00</Amount>", "<Amount>-200.00</Amount>")
            .replace("<ComTaxAm>18.00</ComTaxAm>", "<ComTaxAm>-18.00</ComTaxAm>")
            .replace(
                "<TotaltaxIncludedAmount>218.00</TotaltaxIncludedAmount>",
                "<TotaltaxIncludedAmount>-218.00</TotaltaxIncludedAmount>",
            )
            .replace("<TotalAmWithoutTax>1120.00", "<TotalAmWithoutTax>-1120.00")
            .replace("<TotalTaxAm>18.00", "<TotalTaxAm>-18.00")
            .replace(
                "<TotalTax-includedAmount>1138.00",
                "<TotalTax-includedAmount>-1138.00",
            );
        // Remove the discount line: a red invoice reverses the net line.
        let start = red.find("<IssuItemInformation>\n      <ItemName>*水果*百色芒果</ItemName>\n      <Amount>-30.00").expect("discount line");
        let end = red[start..].find("</IssuItemInformation>").expect("end")
            + start
            + "</IssuItemInformation>".len();
        let red = format!("{}{}", &red[..start], &red[end..]);
        let inv = parse(&red).expect("red parses");
        assert!(inv.is_red());
        assert_eq!(inv.reverses.as_deref(), Some("25442000000012345678"));
        assert_eq!(inv.total_fen, fen(-113_800));
    }

    #[test]
    fn a_zip_with_one_xml_is_read_and_bombs_are_refused() {
        use std::io::Write;
        let mut buf = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut buf);
            let options = zip::write::SimpleFileOptions::default();
            zip.start_file("invoice.pdf", options).expect("pdf");
            zip.write_all(b"%PDF-1.4").expect("write");
            zip.start_file("dzfp_25442000000012345678.xml", options)
                .expect("xml");
            zip.write_all(SAMPLE.as_bytes()).expect("write");
            zip.finish().expect("finish");
        }
        let inv = read_file(buf.get_ref()).expect("zip read");
        assert_eq!(inv.number, "25442000000012345678");

        let mut bomb = std::io::Cursor::new(Vec::new());
        {
            let mut zip = zip::ZipWriter::new(&mut bomb);
            let options = zip::write::SimpleFileOptions::default()
                .compression_method(zip::CompressionMethod::Deflated);
            zip.start_file("huge.xml", options).expect("xml");
            let block = vec![b' '; 1024 * 1024];
            for _ in 0..3 {
                zip.write_all(&block).expect("write");
            }
            zip.finish().expect("finish");
        }
        assert!(bomb.get_ref().len() < 64 * 1024);
        assert_eq!(
            read_file(bomb.get_ref()).expect_err("refused").code,
            "invoice_too_large"
        );
        assert_eq!(
            read_file(b"PK\x03\x04 not really a zip")
                .expect_err("refused")
                .code,
            "invoice_zip"
        );
    }
}
