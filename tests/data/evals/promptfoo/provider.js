// Deterministic offline provider for readiness fixtures.
// Answers with whatever follows "ANSWER=" in the prompt; fails on purpose when the prompt
// says CRASH. With config.off_by_one it answers "wrong" instead (a weaker model).
class TableProvider {
  constructor(options = {}) {
    this.label = options.label;
    this.config = options.config || {};
  }
  id() { return 'table-provider'; }
  async callApi(prompt) {
    if (prompt.includes('CRASH')) {
      return { error: 'upstream timeout after 30s (simulated)' };
    }
    const m = prompt.match(/ANSWER=([^\s]+)/);
    if (this.config.wrong_on && prompt.includes(this.config.wrong_on)) {
      return { output: 'wrong' };
    }
    return { output: m ? m[1] : 'unknown' };
  }
}
module.exports = TableProvider;
