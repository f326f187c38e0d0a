//! `#!` scripts (fs/binfmt_script.c): the first line names an
//! interpreter and at most one argument; exec restarts with the
//! interpreter, whose arguments become `interpreter [arg] script args...`.

use super::{LinuxBinprm, push_arg, remove_arg_zero};
use crate::errno::{Errno, SysResult};
use crate::kernel::Kernel;
use crate::{trace_enter, trace_note};

fn spacetab(c: u8) -> bool {
    c == b' ' || c == b'\t'
}

/// `next_non_spacetab`: the first byte of `buf[from..to]` that is not a
/// space or a tab.
fn next_non_spacetab(buf: &[u8], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&i| !spacetab(buf[i]))
}

/// `next_terminator`: the first space, tab or NUL in `buf[from..to]`.
fn next_terminator(buf: &[u8], from: usize, to: usize) -> Option<usize> {
    (from..to).find(|&i| spacetab(buf[i]) || buf[i] == 0)
}

/// `load_script`: `ENOEXEC` unless the file starts with `#!` and names an
/// interpreter; otherwise the arguments are rewritten and
/// `bprm.interpreter` is the opened interpreter.
pub fn load_script(k: &Kernel, bprm: &mut LinuxBinprm) -> SysResult<()> {
    let buf = bprm.buf.clone();
    if buf.len() < 2 || buf[0] != b'#' || buf[1] != b'!' {
        return Err(Errno::ENOEXEC);
    }
    let m = k.machine();
    let _t = trace_enter!(m.trace, "load_script", "{}", bprm.file.path);
    let buf_end = buf.len() - 1;
    let mut i_end = match buf.iter().position(|&c| c == b'\n') {
        Some(n) => n,
        None => {
            // No newline in the buffer: the name must end before it does.
            let Some(first) = next_non_spacetab(&buf, 2, buf_end) else {
                return Err(Errno::ENOEXEC);
            };
            if next_terminator(&buf, first, buf_end).is_none() {
                trace_note!(m.trace, "load_script", "interpreter path too long: ENOEXEC");
                return Err(Errno::ENOEXEC);
            }
            buf_end
        }
    };
    while i_end > 2 && spacetab(buf[i_end - 1]) {
        i_end -= 1;
    }
    let i_name = match next_non_spacetab(&buf, 2, i_end) {
        Some(n) if n != i_end => n,
        _ => return Err(Errno::ENOEXEC),
    };
    let i_sep = next_terminator(&buf, i_name, i_end);
    let i_arg = match i_sep {
        Some(sep) if buf[sep] != 0 => next_non_spacetab(&buf, sep, i_end),
        _ => None,
    };
    let name_end = i_sep.unwrap_or(i_end);
    let name = super::c_str(&buf[i_name..name_end]).to_vec();
    let arg = i_arg.map(|a| super::c_str(&buf[a..i_end]).to_vec());
    trace_note!(
        m.trace,
        "load_script",
        "interpreter {:?}{}",
        String::from_utf8_lossy(&name),
        arg.as_ref().map_or(String::new(), |a| format!(", argument {:?}", String::from_utf8_lossy(a)))
    );
    // interpreter, [argument], script name, then argv[1..]: pushed in
    // reverse, over argv[0].
    remove_arg_zero(bprm);
    let interp = bprm.interp.clone();
    push_arg(bprm, interp.as_bytes())?;
    if let Some(a) = &arg {
        push_arg(bprm, a)?;
    }
    push_arg(bprm, &name)?;
    // bprm_change_interp
    let name = String::from_utf8_lossy(&name).into_owned();
    bprm.interp = name.clone();
    bprm.interpreter = Some(k.open_exec(&name)?);
    Ok(())
}
