/** A progress bar on stderr for long CLI work: `[#####.....] 120,000 / 1,000,000 posts`. */
export function progressBar (unit: string): (done: number, total: number) => void {
  return (done, total) => {
    const width = 30
    const filled = total === 0 ? width : Math.round(width * done / total)
    process.stderr.write(`\r[${'#'.repeat(filled)}${'.'.repeat(width - filled)}] ${done.toLocaleString('en')} / ${total.toLocaleString('en')} ${unit}`)
    if (done >= total) process.stderr.write('\n')
  }
}
