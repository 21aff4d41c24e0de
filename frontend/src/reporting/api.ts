// The procurement share (预留份额完成情况): types from the generated schema and the pure
// helpers the pages and unit tests share. Every figure arrives in fen or in hundredths of a
// percent computed by the server from exact fen; the screens only format them.
import type { components } from '@/api/schema'

type Schemas = components['schemas']
export type UnitReport = Schemas['UnitReport']
export type UnitRow = Schemas['UnitRow']
export type UnitFigures = Schemas['UnitFigures']
export type UnitStatus = Schemas['UnitStatus']
export type CityReport = Schemas['CityReport']
export type GroupRow = Schemas['GroupRow']
export type MonthFigures = Schemas['MonthFigures']
export type OriginRow = Schemas['OriginRow']
export type FactRow = Schemas['FactRow']

export const UNIT_STATUSES: UnitStatus[] = ['met', 'on_track', 'behind', 'not_filed', 'exempt']

/** 22299 -> "222.99%", null -> "—" (no reserved amount or no denominator). */
export function formatCp(cp: number | null | undefined): string {
  if (cp === null || cp === undefined) return '—'
  const sign = cp < 0 ? '-' : ''
  const abs = Math.abs(cp)
  return `${sign}${Math.floor(abs / 100)}.${String(abs % 100).padStart(2, '0')}%`
}

/** 3000 basis points -> "30%"; 3001 -> "30.01%". */
export function formatBp(bp: number): string {
  return bp % 100 === 0 ? `${bp / 100}%` : formatCp(bp)
}

/** Element Plus tag type of a status. */
export function statusTag(s: UnitStatus): 'success' | 'primary' | 'danger' | 'info' | 'warning' {
  switch (s) {
    case 'met':
      return 'success'
    case 'on_track':
      return 'primary'
    case 'behind':
      return 'danger'
    case 'not_filed':
      return 'warning'
    case 'exempt':
      return 'info'
  }
}

/** The gauge's value: completion in percent, capped for the dial (the label shows the truth). */
export function gaugeValue(cp: number | null | undefined, cap = 150): number {
  if (cp === null || cp === undefined) return 0
  return Math.max(0, Math.min(cap, cp / 100))
}
