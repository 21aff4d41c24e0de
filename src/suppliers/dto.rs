//! JSON in and out of the supplier endpoints.

use chrono::{DateTime, NaiveDate, Utc};
use serde::{Deserialize, Serialize};
use utoipa::{IntoParams, ToSchema};

use super::model::{CertKind, CertStatus, DocumentKind, SupplierStatus};

/// A supplier's application, as its staff and operators see it (bank account masked).
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct SupplierProfile {
    /// The supplier organisation.
    pub org_id: i64,
    /// Organisation name.
    pub org_name: String,
    /// Admission status.
    pub status: SupplierStatus,
    /// Registered legal name.
    pub legal_name: String,
    /// Unified social credit code.
    pub uscc: String,
    /// Registered county (eligibility follows it).
    pub registered_county_code: String,
    /// Its name.
    pub registered_county_name: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone, masked.
    pub contact_phone_masked: Option<String>,
    /// Settlement bank.
    pub bank_name: Option<String>,
    /// Settlement account, masked (last four digits).
    pub bank_account_masked: Option<String>,
    /// Evidence of links to local farmers (联农带农).
    pub farmer_links: Option<String>,
    /// A trading company selling as agent for producers.
    pub is_agent: bool,
    /// The county department's recommendation, as recorded.
    pub recommendation: Option<String>,
    /// Reason of the last decision (rejection, suspension).
    pub decision_reason: Option<String>,
    /// Submitted for review.
    pub submitted_at: Option<DateTime<Utc>>,
    /// Last decision.
    pub decided_at: Option<DateTime<Utc>>,
    /// Uploaded documents.
    pub documents: Vec<DocumentInfo>,
}

/// A page of supplier profiles (review queue).
#[derive(Debug, Serialize, ToSchema)]
pub struct SupplierPage {
    /// Profiles.
    pub items: Vec<SupplierProfile>,
    /// Next page cursor.
    pub next_cursor: Option<String>,
}

/// Filters for the supplier list (operators).
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct SupplierQuery {
    /// Only this status.
    pub status: Option<SupplierStatus>,
    /// Page cursor.
    pub cursor: Option<String>,
    /// Page size.
    pub limit: Option<u64>,
}

/// Public self-registration of a supplier: creates the organisation, its first admin and a
/// draft application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct RegisterSupplier {
    /// Company name (shown in the shop).
    pub name: String,
    /// Unified social credit code.
    pub uscc: String,
    /// Registered county (must be a partner county).
    pub registered_county_code: String,
    /// Contact person (also the admin's display name).
    pub contact_name: String,
    /// Contact mobile (also the admin's login).
    pub contact_phone: String,
    /// Admin username.
    pub username: String,
    /// Admin password.
    pub password: String,
}

/// The outcome of registration.
#[derive(Debug, Serialize, ToSchema)]
pub struct Registered {
    /// The new supplier organisation.
    pub org_id: i64,
    /// The admin user.
    pub user_id: i64,
}

/// Changes to a draft or rejected application.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct UpdateProfile {
    /// Registered legal name.
    pub legal_name: Option<String>,
    /// Contact person.
    pub contact_name: Option<String>,
    /// Contact phone.
    pub contact_phone: Option<String>,
    /// Settlement bank.
    pub bank_name: Option<String>,
    /// Settlement account number (digits).
    pub bank_account: Option<String>,
    /// Links to local farmers.
    pub farmer_links: Option<String>,
    /// Trading company selling as agent.
    pub is_agent: Option<bool>,
}

/// A reviewer's decision with its reason.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct Decision {
    /// Why (required to reject or suspend; the county department's note to recommend).
    pub reason: Option<String>,
}

/// An uploaded document.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct DocumentInfo {
    /// Document id.
    pub id: i64,
    /// Kind.
    pub kind: DocumentKind,
    /// Name of the uploaded file.
    pub filename: String,
    /// Sniffed type.
    pub content_type: String,
    /// Size.
    pub size_bytes: i64,
    /// Uploaded.
    pub created_at: DateTime<Utc>,
    /// Where to download it (authorised).
    pub url: String,
}

/// Documents of an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct DocumentList {
    /// Documents, newest first.
    pub items: Vec<DocumentInfo>,
}

/// A certificate.
#[derive(Debug, Clone, Serialize, ToSchema)]
pub struct Certificate {
    /// Certificate id.
    pub id: i64,
    /// Supplier.
    pub supplier_org_id: i64,
    /// Product, when it certifies one product (else the whole supplier).
    pub product_id: Option<i64>,
    /// Kind.
    pub kind: CertKind,
    /// Certificate number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Evidence file.
    pub document_id: Option<i64>,
    /// Review status.
    pub status: CertStatus,
    /// Reviewer's reason (rejection).
    pub review_reason: Option<String>,
    /// Reviewed.
    pub reviewed_at: Option<DateTime<Utc>>,
}

/// A list of certificates.
#[derive(Debug, Serialize, ToSchema)]
pub struct CertificateList {
    /// Certificates.
    pub items: Vec<Certificate>,
}

/// A new certificate (supplier staff); pending until an operator verifies it.
#[derive(Debug, Deserialize, ToSchema)]
#[serde(deny_unknown_fields)]
pub struct CreateCertificate {
    /// Kind.
    pub kind: CertKind,
    /// Certificate number.
    pub number: String,
    /// Issuer.
    pub issuer: String,
    /// First valid day.
    pub valid_from: NaiveDate,
    /// Last valid day.
    pub valid_to: NaiveDate,
    /// Evidence file (a document of this supplier).
    pub document_id: Option<i64>,
    /// The product it certifies (of this supplier), if not the whole supplier.
    pub product_id: Option<i64>,
}

/// Filters for the certificate review queue.
#[derive(Debug, Default, Deserialize, IntoParams)]
#[into_params(parameter_in = Query)]
pub struct CertQuery {
    /// Only this status.
    pub status: Option<CertStatus>,
}

/// A notification to an organisation.
#[derive(Debug, Serialize, ToSchema)]
pub struct Notification {
    /// Id.
    pub id: i64,
    /// Kind, e.g. `certificate_expiring`.
    pub kind: String,
    /// Title.
    pub title: String,
    /// Text.
    pub body: String,
    /// Created.
    pub created_at: DateTime<Utc>,
    /// Read.
    pub read_at: Option<DateTime<Utc>>,
}

/// Notifications, newest first.
#[derive(Debug, Serialize, ToSchema)]
pub struct NotificationList {
    /// Notifications.
    pub items: Vec<Notification>,
}
