//! The category tree, seeded with real agricultural categories.

use sea_orm::sea_query::OnConflict;
use sea_orm::{
    ActiveValue::Set, ColumnTrait, ConnectionTrait, EntityTrait, QueryFilter, QueryOrder,
};
use serde::Serialize;
use utoipa::ToSchema;

use crate::entities::categories;
use crate::error::AppError;

/// (slug, 中文, English, children).
type Node = (
    &'static str,
    &'static str,
    &'static str,
    &'static [(&'static str, &'static str, &'static str)],
);

/// The seeded tree.
pub const TREE: &[Node] = &[
    (
        "grain-oil",
        "粮油米面",
        "Grain, oil & noodles",
        &[
            ("rice", "大米", "Rice"),
            ("flour-noodles", "面粉面条", "Flour & noodles"),
            ("edible-oil", "食用油", "Edible oil"),
            ("coarse-grains", "杂粮", "Coarse grains"),
        ],
    ),
    (
        "vegetables",
        "蔬菜",
        "Vegetables",
        &[
            ("leafy", "叶菜", "Leafy greens"),
            ("root-tuber", "根茎", "Roots & tubers"),
            ("mushroom", "菌菇", "Mushrooms"),
        ],
    ),
    (
        "fruit",
        "水果",
        "Fruit",
        &[
            ("citrus", "柑橘橙柚", "Citrus"),
            ("tropical", "热带水果", "Tropical fruit"),
            ("stone-berry", "桃李莓果", "Stone fruit & berries"),
        ],
    ),
    (
        "meat-egg",
        "肉禽蛋",
        "Meat, poultry & eggs",
        &[
            ("pork", "猪肉", "Pork"),
            ("beef-mutton", "牛羊肉", "Beef & mutton"),
            ("poultry", "禽肉", "Poultry"),
            ("eggs", "蛋类", "Eggs"),
        ],
    ),
    (
        "aquatic",
        "水产",
        "Aquatic products",
        &[
            ("fish", "鱼类", "Fish"),
            ("shrimp-crab", "虾蟹", "Shrimp & crab"),
        ],
    ),
    (
        "tea",
        "茶叶",
        "Tea",
        &[
            ("green-tea", "绿茶", "Green tea"),
            ("black-tea", "红茶", "Black tea"),
            ("oolong", "乌龙茶", "Oolong"),
        ],
    ),
    (
        "dried-goods",
        "干货山珍",
        "Dried goods & mountain delicacies",
        &[
            ("dried-fungi", "干菌木耳", "Dried fungi"),
            ("nuts", "坚果", "Nuts"),
            ("dried-fruit", "果干", "Dried fruit"),
        ],
    ),
    (
        "condiments",
        "调味品",
        "Condiments",
        &[("sauce", "酱料", "Sauces"), ("spices", "香辛料", "Spices")],
    ),
    (
        "processed",
        "加工食品",
        "Processed food",
        &[
            ("snacks", "休闲零食", "Snacks"),
            ("preserved", "腌制品", "Preserved food"),
            ("honey", "蜂蜜", "Honey"),
        ],
    ),
];

/// Inserts the categories that are not there yet (by slug).
///
/// # Errors
/// Database errors.
pub async fn seed(conn: &impl ConnectionTrait) -> Result<u64, AppError> {
    let mut inserted = 0;
    for (i, (slug, name, name_en, children)) in TREE.iter().enumerate() {
        inserted += insert(conn, None, slug, name, name_en, i).await?;
        let parent = categories::Entity::find()
            .filter(categories::Column::Slug.eq(*slug))
            .one(conn)
            .await?
            .ok_or(AppError::NotFound)?;
        for (j, (cslug, cname, cname_en)) in children.iter().enumerate() {
            inserted += insert(conn, Some(parent.id), cslug, cname, cname_en, j).await?;
        }
    }
    Ok(inserted)
}

async fn insert(
    conn: &impl ConnectionTrait,
    parent: Option<i64>,
    slug: &str,
    name: &str,
    name_en: &str,
    pos: usize,
) -> Result<u64, AppError> {
    Ok(categories::Entity::insert(categories::ActiveModel {
        parent_id: Set(parent),
        slug: Set(slug.to_owned()),
        name: Set(name.to_owned()),
        name_en: Set(name_en.to_owned()),
        position: Set(i32::try_from(pos).unwrap_or(0)),
        ..Default::default()
    })
    .on_conflict(
        OnConflict::column(categories::Column::Slug)
            .do_nothing()
            .to_owned(),
    )
    .exec_without_returning(conn)
    .await?)
}

/// A category with its children.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Category {
    /// Id.
    pub id: i64,
    /// Slug (stable, for URLs).
    pub slug: String,
    /// 中文名.
    pub name: String,
    /// English name.
    pub name_en: String,
    /// Children (one level).
    #[schema(no_recursion)]
    pub children: Vec<Category>,
}

/// The whole tree.
#[derive(Debug, Serialize, ToSchema)]
pub struct CategoryTree {
    /// Top-level categories.
    pub items: Vec<Category>,
}

/// Every category, as a tree.
///
/// # Errors
/// Database errors.
pub async fn tree(conn: &impl ConnectionTrait) -> Result<Vec<Category>, AppError> {
    let all = categories::Entity::find()
        .order_by_asc(categories::Column::Position)
        .order_by_asc(categories::Column::Id)
        .all(conn)
        .await?;
    let node = |c: &categories::Model| Category {
        id: c.id,
        slug: c.slug.clone(),
        name: c.name.clone(),
        name_en: c.name_en.clone(),
        children: vec![],
    };
    let mut roots: Vec<Category> = all
        .iter()
        .filter(|c| c.parent_id.is_none())
        .map(node)
        .collect();
    for root in &mut roots {
        root.children = all
            .iter()
            .filter(|c| c.parent_id == Some(root.id))
            .map(node)
            .collect();
    }
    Ok(roots)
}
