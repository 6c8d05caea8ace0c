import { readFileSync } from 'node:fs'
import Handlebars from 'handlebars'
import { projectPath } from '../lib/paths.js'
import type { Translator, Vars } from '../lib/i18n.js'
import type { MemberData } from './export.js'

// Its own small Handlebars, outside the site's layout: the page opens from the unpacked ZIP, offline.
const handlebars = Handlebars.create()
handlebars.registerHelper({
  t: (key: string, options: Handlebars.HelperOptions) => (options.data.root.i18n as Translator).t(key, options.hash as Vars),
  date: (ms: number | null, options: Handlebars.HelperOptions) => ms === null ? '' : (options.data.root.i18n as Translator).date(ms)
})
let template: Handlebars.TemplateDelegate | undefined

/** The readable side of a member's export: index.html, linking the JSON and the files beside it. */
export function exportIndexHtml (data: MemberData, i18n: Translator): string {
  template ??= handlebars.compile(readFileSync(projectPath('views/exports/member.hbs'), 'utf8'), { preventIndent: true })
  return template({ ...data, i18n, lang: i18n.locale })
}
