//! Supplier admission statuses, certificate kinds and statuses, document kinds.

use crate::vocab::text_enum;

text_enum! {
    /// Where a supplier stands in admission (准入).
    SupplierStatus {
        /// Filling in the application.
        Draft = "draft",
        /// Sent for review.
        Submitted = "submitted",
        /// Recommended by the county department (recorded by an operator).
        Recommended = "recommended",
        /// Admitted: may list products.
        Approved = "approved",
        /// Refused, with a reason; may be corrected and submitted again.
        Rejected = "rejected",
        /// Admitted, then suspended (price or quality problems).
        Suspended = "suspended",
    }
}

text_enum! {
    /// Kinds of certificate (认证).
    CertKind {
        /// 消费帮扶产品认定: what makes a purchase count as assistance.
        AssistanceProduct = "assistance_product",
        /// 圳品 evaluation certificate.
        Zhenpin = "zhenpin",
        /// 绿色食品.
        GreenFood = "green_food",
        /// 有机产品.
        Organic = "organic",
        /// 地理标志 (geographical indication).
        GeoIndication = "geo_indication",
        /// 食用农产品承诺达标合格证.
        ComplianceCertificate = "compliance_certificate",
        /// 供深基地 / 菜篮子 base designation.
        SupplyBase = "supply_base",
    }
}

text_enum! {
    /// Review state of a certificate.
    CertStatus {
        /// Uploaded, waiting for an operator.
        Pending = "pending",
        /// Checked by an operator.
        Verified = "verified",
        /// Refused, with a reason.
        Rejected = "rejected",
        /// Past its validity (set by the daily job).
        Expired = "expired",
    }
}

text_enum! {
    /// Kinds of uploaded document.
    DocumentKind {
        /// 营业执照.
        BusinessLicence = "business_licence",
        /// 食品经营/生产许可证.
        FoodLicence = "food_licence",
        /// Evidence of links to local farmers (联农带农).
        FarmerEvidence = "farmer_evidence",
        /// Scan of a certificate.
        CertificateScan = "certificate_scan",
        /// Test report (检测报告) for traceability.
        TestReport = "test_report",
        /// Anything else.
        Other = "other",
    }
}

text_enum! {
    /// Kinds of notification to an organisation.
    NotificationKind {
        /// A certificate of the organisation expires soon.
        CertificateExpiring = "certificate_expiring",
        /// The share ledger's summaries disagreed with its facts (to operators).
        LedgerMismatch = "ledger_mismatch",
        /// An off-platform declaration waits for review or was decided.
        Declaration = "declaration",
        /// A unit is behind the pace of its reserved share at a checkpoint.
        PaceAlert = "pace_alert",
    }
}

impl CertKind {
    /// Chinese name, for notifications and pages.
    #[must_use]
    pub const fn label(self) -> &'static str {
        match self {
            CertKind::AssistanceProduct => "消费帮扶产品认定",
            CertKind::Zhenpin => "圳品",
            CertKind::GreenFood => "绿色食品",
            CertKind::Organic => "有机产品",
            CertKind::GeoIndication => "地理标志",
            CertKind::ComplianceCertificate => "承诺达标合格证",
            CertKind::SupplyBase => "供深基地",
        }
    }
}
