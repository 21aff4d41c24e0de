//! Region levels and assistance programmes.

use crate::vocab::text_enum;

text_enum! {
    /// Administrative level of a region.
    RegionLevel {
        /// 省 / 自治区.
        Province = "province",
        /// 地级市.
        City = "city",
        /// 市辖区 of a helper city (帮扶方).
        District = "district",
        /// 县 / 县级市 / 区 of a partner area.
        County = "county",
    }
}

text_enum! {
    /// The programme under which a helper assists a partner.
    Programme {
        /// 东西部协作 (east-west cooperation).
        EastWest = "east_west",
        /// 对口合作 with old revolutionary areas (革命老区).
        OldRevolutionary = "old_revolutionary",
        /// 省内帮扶 (in-province assistance).
        InProvince = "in_province",
    }
}
