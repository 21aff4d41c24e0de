//! Reference data (regions, pairings, the platform) and the demo data set. Both are
//! idempotent: running them again inserts nothing and changes nothing.
//!
//! Demo organisations and people are fictional (names marked 演示); region codes and
//! pairings are real (`regions/data/*.csv`).

use chrono::Utc;
use indicatif::{ProgressBar, ProgressStyle};
use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveModelTrait, ActiveValue::Set, ColumnTrait, ConnectionTrait, DatabaseConnection,
    EntityTrait, QueryFilter,
};

pub mod catalog;
mod procurement;

use crate::auth::{BudgetCategory, OrgKind, OrgStatus, Role, UserStatus, password};
use crate::domain::Uscc;
use crate::entities::{member_roster, organizations, user_roles, users};
use crate::media::Media;

/// Password of every demo account. Exists only in demo data.
pub const DEMO_PASSWORD: &str = "bangfu-demo";
/// Name of the platform organisation.
pub const PLATFORM_NAME: &str = "帮扶平台运营中心";

/// The demo logins, one per role, in the order they are printed.
pub const DEMO_LOGINS: &[(&str, &str)] = &[
    ("operator", "平台运营 operator"),
    ("union_admin", "工会管理员 union admin (深圳市总工会)"),
    ("member", "工会会员 member (福田区总工会)"),
    ("buyer", "采购员 buyer (福田区机关事务服务中心)"),
    ("approver", "审批人 approver (福田区机关事务服务中心)"),
    ("supplier", "供应商管理员 supplier admin (马山县)"),
    ("regulator", "监管 regulator (深圳市)"),
];

/// What a seed run inserted.
#[derive(Debug, Default, Clone, Copy)]
pub struct SeedReport {
    /// Regions inserted.
    pub regions: u64,
    /// Pairings inserted.
    pub pairings: u64,
    /// Organisations inserted.
    pub organizations: u64,
    /// Users inserted.
    pub users: u64,
    /// Role grants inserted.
    pub roles: u64,
    /// Roster members inserted.
    pub roster: u64,
    /// Categories inserted.
    pub categories: u64,
    /// Products inserted.
    pub products: u64,
    /// Demo bulk orders inserted.
    pub bulk_orders: u64,
}

impl SeedReport {
    /// Whether nothing was inserted.
    #[must_use]
    pub fn is_empty(&self) -> bool {
        self.regions + self.pairings + self.organizations + self.users + self.roles + self.roster
            == 0
    }
}

/// Loads the reference data every deployment needs: regions, pairings, the platform, and
/// Shenzhen's share rule.
///
/// # Errors
/// Database errors.
pub async fn reference(conn: &impl ConnectionTrait) -> anyhow::Result<SeedReport> {
    let loaded = crate::regions::seed::load(conn).await?;
    let categories = crate::catalog::categories::seed(conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let mut report = SeedReport {
        regions: loaded.regions,
        pairings: loaded.pairings,
        categories,
        ..SeedReport::default()
    };
    ensure_org(
        conn,
        &mut report,
        OrgSpec::new(OrgKind::Platform, PLATFORM_NAME),
    )
    .await?;
    // Shenzhen's share rule (more than 30%), unless the city has one.
    crate::reporting::rules::seed_default(conn)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    Ok(report)
}

struct OrgSpec {
    kind: OrgKind,
    name: String,
    uscc: Option<String>,
    region_code: Option<&'static str>,
    category: Option<BudgetCategory>,
    helper_district_code: Option<&'static str>,
    parent_id: Option<i64>,
}

impl OrgSpec {
    fn new(kind: OrgKind, name: impl Into<String>) -> Self {
        OrgSpec {
            kind,
            name: name.into(),
            uscc: None,
            region_code: None,
            category: None,
            helper_district_code: None,
            parent_id: None,
        }
    }
}

async fn ensure_org(
    conn: &impl ConnectionTrait,
    report: &mut SeedReport,
    spec: OrgSpec,
) -> anyhow::Result<i64> {
    if let Some(existing) = crate::orgs::service::find_by_name(conn, spec.kind, &spec.name)
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?
    {
        return Ok(existing.id);
    }
    let now = Utc::now();
    let row = organizations::ActiveModel {
        kind: Set(spec.kind),
        name: Set(spec.name),
        status: Set(OrgStatus::Active),
        uscc: Set(spec.uscc),
        region_code: Set(spec.region_code.map(str::to_owned)),
        category: Set(spec.category),
        helper_district_code: Set(spec.helper_district_code.map(str::to_owned)),
        parent_id: Set(spec.parent_id),
        contact_name: Set(None),
        contact_phone: Set(None),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    report.organizations += 1;
    Ok(row.id)
}

async fn ensure_user(
    conn: &impl ConnectionTrait,
    report: &mut SeedReport,
    username: &str,
    phone: Option<String>,
    display_name: &str,
) -> anyhow::Result<i64> {
    if let Some(u) = users::Entity::find()
        .filter(users::Column::Username.eq(username))
        .one(conn)
        .await?
    {
        return Ok(u.id);
    }
    let hash = password::hash(DEMO_PASSWORD.to_owned())
        .await
        .map_err(|e| anyhow::anyhow!("{e}"))?;
    let now = Utc::now();
    let row = users::ActiveModel {
        username: Set(Some(username.to_owned())),
        phone: Set(phone),
        display_name: Set(display_name.to_owned()),
        password_hash: Set(Some(hash)),
        status: Set(UserStatus::Active),
        password_changed_at: Set(Some(now)),
        created_at: Set(now),
        updated_at: Set(now),
        ..Default::default()
    }
    .insert(conn)
    .await?;
    report.users += 1;
    Ok(row.id)
}

async fn ensure_role(
    conn: &impl ConnectionTrait,
    report: &mut SeedReport,
    user_id: i64,
    org_id: i64,
    role: Role,
) -> anyhow::Result<()> {
    report.roles += user_roles::Entity::insert(user_roles::ActiveModel {
        user_id: Set(user_id),
        org_id: Set(org_id),
        role: Set(role),
        granted_by: Set(None),
        created_at: Set(Utc::now()),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::columns([
            user_roles::Column::UserId,
            user_roles::Column::OrgId,
            user_roles::Column::Role,
        ])
        .do_nothing()
        .to_owned(),
    )
    .exec_without_returning(conn)
    .await?;
    Ok(())
}

/// A tiny deterministic generator, so that demo names and phones are the same on every run.
struct Lcg(u64);

impl Lcg {
    fn next(&mut self) -> u64 {
        self.0 = self
            .0
            .wrapping_mul(6_364_136_223_846_793_005)
            .wrapping_add(1_442_695_040_888_963_407);
        self.0 >> 33
    }

    fn pick<'a>(&mut self, items: &[&'a str]) -> &'a str {
        let len = u64::try_from(items.len()).unwrap_or(1).max(1);
        items[usize::try_from(self.next() % len).unwrap_or(0)]
    }
}

const SURNAMES: &[&str] = &[
    "王", "李", "张", "刘", "陈", "杨", "黄", "赵", "吴", "周", "徐", "孙", "马", "朱", "胡", "郭",
    "何", "林", "罗", "梁",
];
const GIVEN: &[&str] = &[
    "伟", "芳", "娜", "敏", "静", "丽", "强", "磊", "洋", "艳", "勇", "军", "杰", "娟", "涛", "明",
    "超", "秀英", "华", "慧", "建国", "晓东", "志强", "海燕", "雪梅",
];

fn demo_phone(series: u64, n: u64) -> String {
    // 139 + 8 digits: series (2) + running number (6). Fictional but well-formed.
    format!("139{:02}{:06}", series % 100, n % 1_000_000)
}

/// Suppliers: fictional companies registered in real partner counties.
const SUPPLIERS: &[(&str, &str, &str)] = &[
    (
        "马山县山里红农业发展有限公司（演示）",
        "450124",
        "91450124MA5D3M001",
    ),
    (
        "上林县大明山生态农业有限公司（演示）",
        "450125",
        "91450125MA5D3M002",
    ),
    (
        "隆安县那桐香蕉专业合作社（演示）",
        "450123",
        "93450123MA5D3M003",
    ),
    (
        "龙胜各族自治县龙脊茶业有限公司（演示）",
        "450328",
        "91450328MA5D3M004",
    ),
    (
        "百色市田阳区芒果供应链有限公司（演示）",
        "451003",
        "91451003MA5D3M005",
    ),
    (
        "德保县山野农产品有限公司（演示）",
        "451024",
        "91451024MA5D3M006",
    ),
    (
        "环江毛南族自治县香猪养殖专业合作社（演示）",
        "451226",
        "93451226MA5D3M007",
    ),
    (
        "兴国县赣南脐橙贸易有限公司（演示）",
        "360732",
        "91360732MA5D3M008",
    ),
    (
        "寻乌县蜜桔果业有限公司（演示）",
        "360734",
        "91360734MA5D3M009",
    ),
    (
        "乳源瑶族自治县瑶山米业有限公司（演示）",
        "440232",
        "91440232MA5D3M010",
    ),
    (
        "海丰县油占米种植专业合作社（演示）",
        "441521",
        "93441521MA5D3M011",
    ),
];

/// Budget units: (name, category, helper district).
const UNITS: &[(&str, BudgetCategory, &str)] = &[
    (
        "福田区机关事务服务中心（演示）",
        BudgetCategory::Agency,
        "440304",
    ),
    (
        "南山区政务服务中心（演示）",
        BudgetCategory::Agency,
        "440305",
    ),
    ("罗湖区档案馆（演示）", BudgetCategory::Agency, "440303"),
    (
        "宝安区城市管理服务中心（演示）",
        BudgetCategory::Agency,
        "440306",
    ),
    ("深圳演示水务集团有限公司", BudgetCategory::Soe, "440304"),
    ("深圳演示公交集团有限公司", BudgetCategory::Soe, "440307"),
    ("深圳演示能源集团有限公司", BudgetCategory::Soe, "440305"),
    (
        "深圳演示地铁物业管理有限公司",
        BudgetCategory::Soe,
        "440309",
    ),
    ("福田区实验学校（演示）", BudgetCategory::School, "440304"),
    ("南山区外国语学校（演示）", BudgetCategory::School, "440305"),
    (
        "龙岗区第一高级中学（演示）",
        BudgetCategory::School,
        "440307",
    ),
    ("宝安区新城小学（演示）", BudgetCategory::School, "440306"),
    ("福田区人民医院（演示）", BudgetCategory::Hospital, "440304"),
    ("南山区中医院（演示）", BudgetCategory::Hospital, "440305"),
    (
        "龙华区妇幼保健院（演示）",
        BudgetCategory::Hospital,
        "440309",
    ),
    (
        "罗湖区第二人民医院（演示）",
        BudgetCategory::Hospital,
        "440303",
    ),
    (
        "福田区香蜜湖长者食堂（演示）",
        BudgetCategory::CommunityCanteen,
        "440304",
    ),
    (
        "南山区蛇口社区食堂（演示）",
        BudgetCategory::CommunityCanteen,
        "440305",
    ),
    (
        "坪山区坑梓社区饭堂（演示）",
        BudgetCategory::CommunityCanteen,
        "440310",
    ),
    (
        "光明区凤凰社区食堂（演示）",
        BudgetCategory::CommunityCanteen,
        "440311",
    ),
    ("东莞市演示职业技术学校", BudgetCategory::School, "441900"),
];

/// Helper districts with an organisation of their own (coordination offices).
const DISTRICTS: &[(&str, &str)] = &[
    ("福田区对口帮扶协作办（演示）", "440304"),
    ("南山区对口帮扶协作办（演示）", "440305"),
    ("罗湖区对口帮扶协作办（演示）", "440303"),
    ("宝安区对口帮扶协作办（演示）", "440306"),
];

/// Members per district union.
const MEMBERS_PER_UNION: u64 = 150;

/// Loads the demo data set on top of the reference data, with a progress bar on a terminal.
/// `extra_products` adds synthetic listings (for load tests).
///
/// # Errors
/// Database errors.
pub async fn demo(
    conn: &DatabaseConnection,
    media: &Media,
    show_progress: bool,
    extra_products: u64,
) -> anyhow::Result<SeedReport> {
    demo_with(conn, media, show_progress, extra_products, true).await
}

/// [`demo`], with or without the year of bulk orders and filings (`procurement_history`):
/// tests of the share reports start from units with no history, to count to the fen.
///
/// # Errors
/// As [`demo`].
pub async fn demo_with(
    conn: &DatabaseConnection,
    media: &Media,
    show_progress: bool,
    extra_products: u64,
    procurement_history: bool,
) -> anyhow::Result<SeedReport> {
    let steps = 10
        + SUPPLIERS.len()
        + UNITS.len()
        + DISTRICTS.len()
        + usize::try_from(MEMBERS_PER_UNION * 2).unwrap_or(0);
    let bar = if show_progress {
        ProgressBar::new(steps as u64)
    } else {
        ProgressBar::hidden()
    };
    bar.set_style(
        ProgressStyle::with_template("{spinner} {msg:<14} [{bar:40}] {pos}/{len}")
            .unwrap_or_else(|_| ProgressStyle::default_bar())
            .progress_chars("=> "),
    );
    bar.set_message("参考数据 reference");
    let mut report = reference(conn).await?;
    bar.inc(1);

    let platform = ensure_org(
        conn,
        &mut report,
        OrgSpec::new(OrgKind::Platform, PLATFORM_NAME),
    )
    .await?;
    let operator = ensure_user(conn, &mut report, "operator", None, "平台运营 王敏").await?;
    ensure_role(conn, &mut report, operator, platform, Role::Operator).await?;
    bar.inc(1);

    bar.set_message("监管 regulator");
    let mut jurisdiction =
        OrgSpec::new(OrgKind::Jurisdiction, "深圳市财政局消费帮扶监管处（演示）");
    jurisdiction.region_code = Some("440300");
    let jurisdiction = ensure_org(conn, &mut report, jurisdiction).await?;
    let regulator = ensure_user(conn, &mut report, "regulator", None, "监管员 陈静").await?;
    ensure_role(conn, &mut report, regulator, jurisdiction, Role::Regulator).await?;
    bar.inc(1);

    bar.set_message("帮扶方 districts");
    for (i, (name, code)) in DISTRICTS.iter().enumerate() {
        let mut spec = OrgSpec::new(OrgKind::HelperDistrict, *name);
        spec.region_code = Some(code);
        let org = ensure_org(conn, &mut report, spec).await?;
        let officer = ensure_user(
            conn,
            &mut report,
            &format!("district{:02}", i + 1),
            None,
            &format!("协作办专员 {}", i + 1),
        )
        .await?;
        ensure_role(conn, &mut report, officer, org, Role::DistrictOfficer).await?;
        bar.inc(1);
    }

    bar.set_message("工会 unions");
    let mut city_union = OrgSpec::new(OrgKind::Union, "深圳市总工会（演示）");
    city_union.region_code = Some("440300");
    let city_union = ensure_org(conn, &mut report, city_union).await?;
    let union_admin =
        ensure_user(conn, &mut report, "union_admin", None, "工会管理员 李芳").await?;
    ensure_role(conn, &mut report, union_admin, city_union, Role::UnionAdmin).await?;
    let mut district_unions = Vec::new();
    for (name, code, prefix) in [
        ("福田区总工会（演示）", "440304", "FT"),
        ("南山区总工会（演示）", "440305", "NS"),
    ] {
        let mut spec = OrgSpec::new(OrgKind::Union, name);
        spec.region_code = Some(code);
        spec.parent_id = Some(city_union);
        let id = ensure_org(conn, &mut report, spec).await?;
        district_unions.push((id, prefix));
    }
    bar.inc(1);

    bar.set_message("会员 members");
    let member_user = ensure_user(
        conn,
        &mut report,
        "member",
        Some(demo_phone(0, 1)),
        "会员 张伟",
    )
    .await?;
    ensure_role(
        conn,
        &mut report,
        member_user,
        district_unions[0].0,
        Role::Member,
    )
    .await?;
    let mut rng = Lcg(20_261_122);
    let now = Utc::now();
    for (series, (union_id, prefix)) in district_unions.iter().enumerate() {
        for n in 1..=MEMBERS_PER_UNION {
            let is_demo_member = series == 0 && n == 1;
            let name = if is_demo_member {
                "张伟".to_owned()
            } else {
                format!("{}{}", rng.pick(SURNAMES), rng.pick(GIVEN))
            };
            let work_unit = UNITS[usize::try_from(n).unwrap_or(0) % UNITS.len()].0;
            let row = member_roster::ActiveModel {
                union_org_id: Set(*union_id),
                member_no: Set(format!("{prefix}{n:06}")),
                name: Set(name),
                phone: Set(demo_phone(series as u64, n)),
                work_unit: Set(work_unit.to_owned()),
                segment: Set(Some(
                    if n % 5 == 0 { "new_member" } else { "regular" }.to_owned(),
                )),
                status: Set(crate::coupons::model::RosterStatus::Active),
                user_id: Set(is_demo_member.then_some(member_user)),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            };
            report.roster += member_roster::Entity::insert(row)
                .on_conflict(
                    OnConflict::columns([
                        member_roster::Column::UnionOrgId,
                        member_roster::Column::MemberNo,
                    ])
                    .do_nothing()
                    .to_owned(),
                )
                .exec_without_returning(conn)
                .await?;
            bar.inc(1);
        }
    }

    bar.set_message("预算单位 units");
    let mut unit_staff = Vec::new();
    for (i, (name, category, district)) in UNITS.iter().enumerate() {
        let mut spec = OrgSpec::new(OrgKind::BudgetUnit, *name);
        spec.category = Some(*category);
        spec.helper_district_code = Some(district);
        spec.region_code = Some(district);
        let unit = ensure_org(conn, &mut report, spec).await?;
        let (buyer_login, approver_login, admin_login) = if i == 0 {
            (
                "buyer".to_owned(),
                "approver".to_owned(),
                "unit_admin".to_owned(),
            )
        } else {
            (
                format!("unit{:02}_buyer", i + 1),
                format!("unit{:02}_approver", i + 1),
                format!("unit{:02}_admin", i + 1),
            )
        };
        let idx = u64::try_from(i).unwrap_or(0);
        let buyer = ensure_user(
            conn,
            &mut report,
            &buyer_login,
            Some(demo_phone(10, idx * 3 + 1)),
            &format!("采购员 {}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        )
        .await?;
        ensure_role(conn, &mut report, buyer, unit, Role::Buyer).await?;
        let approver = ensure_user(
            conn,
            &mut report,
            &approver_login,
            Some(demo_phone(10, idx * 3 + 2)),
            &format!("审批人 {}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        )
        .await?;
        ensure_role(conn, &mut report, approver, unit, Role::Approver).await?;
        let admin = ensure_user(
            conn,
            &mut report,
            &admin_login,
            Some(demo_phone(10, idx * 3 + 3)),
            &format!("单位管理员 {}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        )
        .await?;
        ensure_role(conn, &mut report, admin, unit, Role::UnitAdmin).await?;
        unit_staff.push(procurement::UnitStaff {
            org: unit,
            buyer,
            approver,
            admin,
        });
        bar.inc(1);
    }

    bar.set_message("供应商 suppliers");
    let mut supplier_ids = Vec::new();
    let mut supplier_staff = Vec::new();
    for (i, (name, county, uscc17)) in SUPPLIERS.iter().enumerate() {
        let uscc = Uscc::with_check_char(uscc17)
            .map_err(|e| anyhow::anyhow!("demo USCC {uscc17}: {e}"))?;
        let mut spec = OrgSpec::new(OrgKind::Supplier, *name);
        spec.uscc = Some(uscc.as_str().to_owned());
        spec.region_code = Some(county);
        let org = ensure_org(conn, &mut report, spec).await?;
        supplier_ids.push(org);
        let login = if i == 0 {
            "supplier".to_owned()
        } else {
            format!("supplier{:02}", i + 1)
        };
        let admin = ensure_user(
            conn,
            &mut report,
            &login,
            Some(demo_phone(20, u64::try_from(i).unwrap_or(0) + 1)),
            &format!("供应商 {}{}", rng.pick(SURNAMES), rng.pick(GIVEN)),
        )
        .await?;
        ensure_role(conn, &mut report, admin, org, Role::SupplierAdmin).await?;
        supplier_staff.push(procurement::SupplierStaff { org, user: admin });
        bar.inc(1);
    }
    bar.set_message("商品 catalogue");
    let catalog = catalog::seed(conn, media, &supplier_ids, extra_products).await?;
    report.products = catalog.products;
    bar.inc(1);
    bar.set_message("机构采购 procurement");
    if procurement_history {
        report.bulk_orders =
            procurement::seed(conn, &unit_staff, &supplier_staff, operator).await?;
        // The completed ones enter the share ledger, dated by their evaluations.
        crate::reporting::ledger::backfill(conn)
            .await
            .map_err(|e| anyhow::anyhow!("share ledger of the demo orders: {e}"))?;
    }
    bar.inc(1);
    bar.finish_with_message("完成 done");
    Ok(report)
}
