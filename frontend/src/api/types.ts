// Domain types derived from the generated OpenAPI schema. Only the schema names that the
// contract fixes (Me, Org, Region, ...) are referenced; inner types are reached through them so
// that the backend may name or inline its sub-schemas as it likes.
import type { components } from './schema'

type Schemas = components['schemas']

export type Me = Schemas['Me']
export type MeUser = Me['user']
export type RoleGrant = Me['roles'][number]
export type Role = RoleGrant['role']
export type OrgRef = RoleGrant['org']
export type LoginRequest = Schemas['LoginRequest']
export type LoginResponse = Schemas['LoginResponse']
export type Org = Schemas['Org']
export type OrgKind = Org['kind']
export type OrgPage = Schemas['OrgPage']
export type OrgMember = Schemas['OrgMember']
export type OrgMemberPage = Schemas['OrgMemberPage']
export type Region = Schemas['Region']
export type RegionLevel = Region['level']
export type RegionList = Schemas['RegionList']
export type Pairing = Schemas['Pairing']
export type Programme = Pairing['programme']
export type PairingList = Schemas['PairingList']
export type AuditEntry = Schemas['AuditEntry']
export type AuditPage = Schemas['AuditPage']
export type ErrorBody = Schemas['ErrorBody']
