//! Makes rust-hdl's combinational blocks safe for event-driven simulators.
//!
//! rust-hdl writes a block's `update` as one `always @(*)` with blocking
//! assignments, and a signal is often given a default and then overridden
//! (`x = 0; if (c) x = 1;`). Each assignment that changes `x` wakes every
//! process that reads it, even when the block ends with `x` unchanged. When
//! two modules read each other's such signals (a parent's input to a child
//! and the child's output back), Icarus Verilog wakes them in turn forever at
//! one instant: simulated time stops. Verilator and yosys see the same logic
//! either way.
//!
//! The fix keeps the logic and changes when it becomes visible: inside each
//! `always @(*)`, a signal assigned more than once is computed in a shadow
//! register and copied to the real one once, at the end of the block.

use std::collections::HashMap;

/// `verilog` with every multiply assigned signal of every `always @(*)`
/// block computed in a shadow register (`<name>__settle`) and assigned once.
pub fn settle_comb_blocks(verilog: &str) -> String {
    let mut out = String::with_capacity(verilog.len() + verilog.len() / 16);
    let mut rest = verilog;
    while let Some(start) = rest.find("module ") {
        let end = rest[start..].find("endmodule").map(|e| start + e + "endmodule".len()).unwrap_or(rest.len());
        out.push_str(&rest[..start]);
        out.push_str(&settle_module(&rest[start..end]));
        rest = &rest[end..];
    }
    out.push_str(rest);
    out
}

/// Width declarations (`[63:0]` or empty) of the module's `reg`s.
fn reg_widths(module: &str) -> HashMap<&str, &str> {
    let mut w = HashMap::new();
    for line in module.lines() {
        let t = line.trim();
        let t = t.strip_prefix("output reg").or_else(|| t.strip_prefix("reg")).map(str::trim);
        let Some(t) = t else { continue };
        let Some(t) = t.strip_suffix(';') else { continue };
        let (range, name) = match t.strip_prefix('[') {
            Some(r) => match r.split_once(']') {
                Some((range, name)) => (&t[..range.len() + 2], name.trim()),
                None => continue,
            },
            None => ("", t),
        };
        if !name.is_empty() && name.chars().all(is_ident) {
            w.insert(name, range);
        }
    }
    w
}

fn is_ident(c: char) -> bool {
    c.is_ascii_alphanumeric() || c == '_' || c == '$'
}

fn settle_module(module: &str) -> String {
    const OPEN: &str = "always @(*) begin";
    let widths = reg_widths(module);
    let mut out = String::with_capacity(module.len());
    let mut rest = module;
    while let Some(start) = rest.find(OPEN) {
        let body_start = start + OPEN.len();
        let Some(body_len) = block_end(&rest[body_start..]) else { break };
        let body = &rest[body_start..body_start + body_len];
        out.push_str(&rest[..start]);
        out.push_str(&settle_block(body, &widths));
        rest = &rest[body_start + body_len + "end".len()..];
    }
    out.push_str(rest);
    out
}

/// Length of the block body up to (not including) the `end` that closes
/// the `begin` already consumed.
fn block_end(body: &str) -> Option<usize> {
    let mut depth = 1;
    for (pos, tok) in tokens(body) {
        match tok {
            "begin" | "case" => depth += 1,
            "end" | "endcase" => {
                depth -= 1;
                if depth == 0 {
                    return Some(pos);
                }
            }
            _ => {}
        }
    }
    None
}

/// Identifier tokens with their byte offsets (not numbers' digits or bases).
pub(crate) fn tokens(s: &str) -> impl Iterator<Item = (usize, &str)> {
    let b = s.as_bytes();
    let mut i = 0;
    std::iter::from_fn(move || {
        while i < b.len() {
            let c = b[i] as char;
            if c.is_ascii_alphabetic() || c == '_' {
                let start = i;
                while i < b.len() && is_ident(b[i] as char) {
                    i += 1;
                }
                // `32'hdead`: the base letter and digits are not a name.
                if start > 0 && b[start - 1] == b'\'' {
                    continue;
                }
                return Some((start, &s[start..i]));
            } else if c.is_ascii_digit() {
                while i < b.len() && (is_ident(b[i] as char) || b[i] == b'\'') {
                    i += 1;
                }
            } else {
                i += 1;
            }
        }
        None
    })
}

fn settle_block(body: &str, widths: &HashMap<&str, &str>) -> String {
    // Assignment targets: a name at the start of a statement line, then `=`.
    let mut count: HashMap<&str, usize> = HashMap::new();
    for line in body.lines() {
        let t = line.trim_start();
        let name_len = t.find(|c: char| !is_ident(c)).unwrap_or(t.len());
        let (name, after) = t.split_at(name_len);
        let after = after.trim_start();
        let after = if after.starts_with('[') {
            after.find(']').map(|e| after[e + 1..].trim_start()).unwrap_or("")
        } else {
            after
        };
        if !name.is_empty() && after.starts_with('=') && !after.starts_with("==") && widths.contains_key(name) {
            *count.entry(name).or_default() += 1;
        }
    }
    let mut shadowed: Vec<&str> = count.into_iter().filter(|&(_, n)| n > 1).map(|(k, _)| k).collect();
    shadowed.sort_unstable();
    if shadowed.is_empty() {
        return format!("always @(*) begin{body}end");
    }
    let mut renamed = String::with_capacity(body.len() + 64 * shadowed.len());
    let mut last = 0;
    for (pos, tok) in tokens(body) {
        if shadowed.binary_search(&tok).is_ok() {
            renamed.push_str(&body[last..pos]);
            renamed.push_str(tok);
            renamed.push_str("__settle");
            last = pos + tok.len();
        }
    }
    renamed.push_str(&body[last..]);
    let mut s = String::new();
    for name in &shadowed {
        s.push_str(&format!("reg {} {name}__settle;\n    ", widths[name]));
    }
    s.push_str("always @(*) begin");
    s.push_str(&renamed);
    for name in &shadowed {
        s.push_str(&format!("    {name} = {name}__settle;\n    "));
    }
    s.push_str("end");
    s
}

#[cfg(test)]
mod tests {
    use super::*;

    const V: &str = "module top(a,y);\n    input wire a;\n    output reg [3:0] y;\n    reg  c$x;\n    wire  c$o;\n    always @(*) begin\n        y = 4'h0;\n        c$x = 1'b0;\n        if (a) begin\n            c$x = 1'b1;\n            y = 4'hb;\n        end\n        case (c$o)\n            1'b1: y = y | 4'h1;\n        endcase\n    end\n    assign z = 1;\nendmodule\n";

    #[test]
    fn signals_assigned_twice_are_shadowed_and_assigned_once() {
        let v = settle_comb_blocks(V);
        assert!(v.contains("reg [3:0] y__settle;"), "{v}");
        assert!(v.contains("reg  c$x__settle;"), "{v}");
        assert!(v.contains("y__settle = 4'h0;") && v.contains("y__settle = y__settle | 4'h1;"), "{v}");
        assert!(v.contains("c$x__settle = 1'b1;"), "{v}");
        // The last statements copy the shadows, once each.
        let tail = &v[v.rfind("c$x = c$x__settle;").unwrap()..];
        assert!(tail.contains("y = y__settle;") && tail.contains("end\n    assign z"), "{v}");
        assert_eq!(v.matches("y = y__settle;").count(), 1);
        // Reads of other signals, numbers and the module frame are untouched.
        assert!(v.contains("case (c$o)") && v.contains("4'hb") && v.ends_with("endmodule\n"), "{v}");
    }

    #[test]
    fn a_block_without_repeated_assignments_is_unchanged() {
        let v = "module m(a,y);\n    input wire a;\n    output reg y;\n    always @(*) begin\n        y = a;\n    end\nendmodule\n";
        assert_eq!(settle_comb_blocks(v), v);
    }
}
