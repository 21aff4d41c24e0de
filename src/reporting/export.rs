//! XLSX of the city report, in the layout of PROCUREMENT.md ("Reports a finance bureau would
//! publish"): one sheet of units, one per roll-up. Amounts are written as yuan text from
//! integer fen (no floating point touches them); percentages from the exact ratios.

use rust_xlsxwriter::{Format, Workbook, Worksheet, XlsxError};

use super::dto::{CityReport, GroupRow};
use super::figures::UnitStatus;
use super::rules::{Comparison, format_centipercent};
use crate::error::AppError;
use crate::money::Money;

fn err(e: XlsxError) -> AppError {
    AppError::Internal(anyhow::anyhow!("xlsx: {e}"))
}

fn yuan(fen: i64) -> String {
    Money::from_fen(fen).to_string().replace('¥', "")
}

fn pct(cp: Option<i64>) -> String {
    cp.map_or_else(|| "—".to_owned(), format_centipercent)
}

fn status_zh(s: UnitStatus) -> &'static str {
    match s {
        UnitStatus::Met => "已完成",
        UnitStatus::OnTrack => "进度正常",
        UnitStatus::Behind => "进度落后",
        UnitStatus::NotFiled => "未填报",
        UnitStatus::Exempt => "无需预留",
    }
}

fn header(sheet: &mut Worksheet, titles: &[&str], bold: &Format) -> Result<(), AppError> {
    for (c, h) in titles.iter().enumerate() {
        sheet
            .write_string_with_format(0, u16::try_from(c).unwrap_or(0), *h, bold)
            .map_err(err)?;
    }
    Ok(())
}

fn groups_sheet(
    book: &mut Workbook,
    name: &str,
    rows: &[GroupRow],
    bold: &Format,
) -> Result<(), AppError> {
    let sheet = book.add_worksheet();
    sheet.set_name(name).map_err(err)?;
    header(
        sheet,
        &[
            "排名 Rank",
            "名称 Name",
            "单位数 Units",
            "已填报 Filed",
            "无食堂 No canteen",
            "未填报 Not filed",
            "预留金额（元）Reserved",
            "已完成（元）Completed",
            "完成率 Completion",
            "达标单位 Met",
        ],
        bold,
    )?;
    for (i, g) in rows.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let t = &g.totals;
        let cells = [
            g.rank.to_string(),
            g.name.clone(),
            t.units.to_string(),
            t.filed.to_string(),
            t.no_canteen.to_string(),
            t.not_filed.to_string(),
            yuan(t.reserved_fen),
            yuan(t.completed_fen),
            pct(t.completion_cp),
            t.met.to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(r, u16::try_from(c).unwrap_or(0), v)
                .map_err(err)?;
        }
    }
    Ok(())
}

/// The workbook of a city report.
///
/// # Errors
/// 500 if the workbook cannot be written.
pub fn city_xlsx(report: &CityReport) -> Result<Vec<u8>, AppError> {
    let mut book = Workbook::new();
    let bold = Format::new().set_bold();
    let target = format!(
        "{}{}",
        match report.rule.comparison {
            Comparison::Gt => "超过",
            Comparison::Gte => "不低于",
        },
        format_centipercent(i64::from(report.rule.target_bp))
    );
    let sheet = book.add_worksheet();
    sheet.set_name("单位 Units").map_err(err)?;
    header(
        sheet,
        &[
            "排名 Rank",
            "主管部门 Department",
            "单位 Unit",
            "统一社会信用代码 USCC",
            "类别 Category",
            "帮扶方 Helper district",
            "食堂 Canteen",
            "填报总额（元）Filed total",
            "预留比例 Ratio",
            "预留金额（元）Reserved",
            "目标 Target",
            "已完成（元）Completed",
            "待评价（元）Pending",
            "完成率 Completion",
            "占比 Share",
            "差额（元）Gap",
            "每月需完成（元）Per month",
            "状态 Status",
            "规则版本 Rule version",
        ],
        &bold,
    )?;
    for (i, u) in report.units.iter().enumerate() {
        let r = u32::try_from(i + 1).unwrap_or(u32::MAX);
        let f = &u.figures;
        let cells = [
            u.rank.map_or_else(String::new, |n| n.to_string()),
            u.supervisor_name.clone().unwrap_or_default(),
            u.unit_name.clone(),
            u.uscc.clone().unwrap_or_default(),
            u.category.map_or("", |c| c.as_str()).to_owned(),
            u.helper_district_code.clone().unwrap_or_default(),
            u.canteen_mode.as_str().to_owned(),
            u.filed_total_fen.map_or_else(String::new, yuan),
            u.ratio_bp
                .map_or_else(String::new, |b| format_centipercent(i64::from(b))),
            yuan(f.reserved_fen),
            target.clone(),
            yuan(f.completed_fen),
            yuan(f.pending_fen),
            pct(f.completion_cp),
            pct(f.share_cp),
            yuan(f.gap_fen),
            yuan(f.needed_per_month_fen),
            status_zh(f.status).to_owned(),
            report.rule.version.to_string(),
        ];
        for (c, v) in cells.iter().enumerate() {
            sheet
                .write_string(r, u16::try_from(c).unwrap_or(0), v)
                .map_err(err)?;
        }
    }
    groups_sheet(
        &mut book,
        "主管部门 Departments",
        &report.departments,
        &bold,
    )?;
    groups_sheet(&mut book, "帮扶方 Districts", &report.districts, &bold)?;
    book.save_to_buffer().map_err(err)
}
