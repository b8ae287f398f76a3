"""Commands show a progress bar on a terminal, plain step lines when piped (logs, cron)."""

from __future__ import annotations

import io

from crm.terminal_progress import TerminalProgress


class Terminal(io.StringIO):
    def isatty(self) -> bool:
        return True


def test_a_terminal_gets_a_bar_that_reaches_the_total():
    out = Terminal()
    progress = TerminalProgress(out, description="月结")
    for done in range(1, 5):
        progress(done=done, total=4, step=f"第 {done} 步")
    progress.close()

    text = out.getvalue()
    assert "月结" in text and "100%" in text and "4/4" in text and "第 4 步" in text


def test_a_pipe_gets_each_step_once_and_no_bar():
    out = io.StringIO()
    progress = TerminalProgress(out)
    progress("已读取 100,000 行")
    progress(done=1, total=3, step="分层结果已计算")
    progress(done=2, total=3, step="分层结果已计算")
    progress.close()

    assert out.getvalue() == "已读取 100,000 行\n分层结果已计算\n"
