//! Closedness groups: which fields a closed struct allows when several
//! closed values meet.
//!
//! Every conjunct belongs to a group (0: none). A reference to a definition
//! (or to a closed value) puts the conjuncts it brings in a fresh group of
//! kind [`GroupKind::Def`], a child of the group the reference was written
//! in; `close()` makes a [`GroupKind::Close`] group, which closes only its
//! own level; a struct literal with embeddings makes a [`GroupKind::Scope`]
//! group, so that what it embeds and the fields it declares are allowed
//! together. A field of a vertex is allowed if every closing group among the
//! vertex's conjuncts allows it: declares it (itself or in a group below
//! it), has a matching pattern constraint, or is open (`...`). A closed
//! group that was embedded is checked as the literal that embeds it.

use super::{Evaluator, Label};
use crate::value::Value;

/// The kind of a closedness group.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum GroupKind {
    /// No group (index 0).
    None,
    /// A definition: closes recursively.
    Def,
    /// `close()`: closes only the struct it is applied to.
    Close,
    /// A struct literal with embeddings: closes nothing by itself.
    Scope,
}

/// One closedness group.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Group {
    pub(crate) kind: GroupKind,
    pub(crate) parent: u32,
    /// Whether the group was embedded in a [`GroupKind::Scope`] literal.
    pub(crate) embed: bool,
    /// Whether a definition (or `close()`) made it for its own
    /// conjuncts, rather than a reference copying them.
    pub(crate) own: bool,
    /// The number of groups above it.
    pub(crate) depth: u32,
    /// Whether it holds one embedded unification (see
    /// [`Evaluator::new_and_group`]).
    pub(crate) and_unit: bool,
}

impl Group {
    /// The entry for "no group".
    pub(crate) const NONE: Group = Group {
        kind: GroupKind::None,
        parent: 0,
        embed: false,
        own: false,
        depth: 0,
        and_unit: false,
    };
}

/// What the conjuncts of one vertex told about its groups.
#[derive(Debug, Default, Clone)]
pub(crate) struct GroupFacts {
    /// The groups of the conjuncts.
    pub(crate) seen: Vec<u32>,
    /// Fields declared by a literal of a group.
    pub(crate) fields: Vec<(u32, Label)>,
    /// Pattern constraints of a group.
    pub(crate) patterns: Vec<(u32, Value)>,
    /// Groups with a literal that has `...`.
    pub(crate) open: Vec<u32>,
    /// Groups of the struct literals: a group closes only if it has one
    /// (a definition of `_` or of a scalar closes nothing).
    pub(crate) structs: Vec<u32>,
    /// `(g, first)`: a value referenced in group `g` was expanded in group
    /// `first` before; what it declared there counts for `g` too.
    pub(crate) aliases: Vec<(u32, u32)>,
    /// Where each field was declared (file and span of the field), for
    /// `field not allowed` errors.
    pub(crate) decl_spans: Vec<(Label, (usize, crate::source::Span))>,
}

impl GroupFacts {
    /// Forgets every fact, keeping the vectors' room.
    pub(crate) fn clear(&mut self) {
        let GroupFacts {
            seen,
            fields,
            patterns,
            open,
            structs,
            aliases,
            decl_spans,
        } = self;
        seen.clear();
        fields.clear();
        patterns.clear();
        open.clear();
        structs.clear();
        aliases.clear();
        decl_spans.clear();
    }

    /// Records the group of a conjunct.
    pub(crate) fn see(&mut self, g: u32) {
        if g != 0 && !self.seen.contains(&g) {
            self.seen.push(g);
        }
    }
}

/// Groups nest at most this deep.
const MAX_GROUP_DEPTH: u32 = 32;

/// More facts than this about one vertex and groups no longer decide.
const MAX_FACTS: usize = 4096;

/// More groups than this and closedness checks stop growing them.
const MAX_GROUPS: usize = 1 << 20;

impl Evaluator<'_> {
    /// A new group.
    pub(crate) fn new_group(&mut self, kind: GroupKind, parent: u32) -> u32 {
        if self.groups.len() >= MAX_GROUPS {
            return parent;
        }
        let p = self.group(parent);
        // Nesting that deep comes from recursion: the parent stands in.
        if p.depth >= MAX_GROUP_DEPTH {
            return parent;
        }
        let embed = p.kind == GroupKind::Scope || p.embed;
        self.groups.push(Group {
            kind,
            parent,
            embed,
            own: false,
            depth: p.depth + 1,
            and_unit: false,
        });
        u32::try_from(self.groups.len() - 1).unwrap_or(0)
    }

    /// A new group below `parent` for one embedded unification
    /// (`{#A & {b: 1}}`): a closed value in it allows what it declares
    /// and what the embedding literal allows outside the unification,
    /// not what the other operands of the unification declare.
    pub(crate) fn new_and_group(&mut self, parent: u32) -> u32 {
        let g = self.new_group(GroupKind::None, parent);
        if g != parent
            && let Some(x) = self.groups.get_mut(g as usize)
        {
            x.and_unit = true;
        }
        g
    }

    /// A new group that a definition or `close()` makes for its own
    /// conjuncts.
    pub(crate) fn new_own_group(&mut self, kind: GroupKind) -> u32 {
        let g = self.new_group(kind, 0);
        if let Some(x) = self.groups.get_mut(g as usize) {
            x.own = true;
        }
        g
    }

    /// The group a conjunct of group `g` of a referenced value takes when
    /// the reference is in group `at`: the closedness of a definition
    /// travels with references into it (`#D.x`); that a reference to a
    /// definition gave a regular field (`d: #D`, then `d.x`) does not,
    /// nor does a reference within the same definition.
    pub(crate) fn keeps_closedness(&self, g: u32, at: u32) -> bool {
        if g == 0 || self.within(at, g) {
            return false;
        }
        let mut c = g;
        let mut steps = 0;
        while c != 0 && steps < 10_000 {
            if self.group(c).own {
                return true;
            }
            c = self.group(c).parent;
            steps += 1;
        }
        false
    }

    pub(crate) fn group(&self, g: u32) -> Group {
        self.groups.get(g as usize).copied().unwrap_or(Group::NONE)
    }

    /// The group the conjuncts of a field declared in group `g` belong to:
    /// `close()` closes only its own level, definitions close recursively
    /// and literals with embeddings keep what they embed together.
    pub(crate) fn child_group(&self, mut g: u32) -> u32 {
        let mut steps = 0;
        while g != 0 && self.group(g).kind == GroupKind::Close && steps < 10_000 {
            g = self.group(g).parent;
            steps += 1;
        }
        g
    }

    /// Whether `g` is `ancestor` or below it, or below the group a value
    /// referenced below `ancestor` was first expanded in.
    fn within_facts(&self, facts: &GroupFacts, g: u32, ancestor: u32) -> bool {
        self.within(g, ancestor)
            || facts
                .aliases
                .iter()
                .any(|&(to, first)| self.within(to, ancestor) && self.within(g, first))
    }

    /// Whether `g` is `ancestor` or below it.
    fn within(&self, mut g: u32, ancestor: u32) -> bool {
        if ancestor == 0 {
            return true;
        }
        let top = self.group(ancestor).depth;
        while self.group(g).depth > top {
            g = self.group(g).parent;
        }
        g == ancestor
    }

    /// Whether a group among `facts` closes the vertex.
    pub(crate) fn has_closing_group(&self, facts: &GroupFacts) -> bool {
        if facts.fields.len() + facts.aliases.len() + facts.seen.len() > MAX_FACTS {
            return false;
        }
        facts.seen.iter().any(|&g| {
            matches!(self.group(g).kind, GroupKind::Def | GroupKind::Close)
                && facts
                    .structs
                    .iter()
                    .any(|&s| self.within_facts(facts, s, g))
        })
    }

    /// The labels among `labels` that some closing group of `facts` does
    /// not allow.
    pub(crate) fn disallowed(&mut self, facts: &GroupFacts, labels: &[Label]) -> Vec<Label> {
        // Past this much bookkeeping (deep recursion through disjunctions
        // of definitions), the closed flags of literals decide alone.
        if facts.fields.len() + facts.aliases.len() + facts.seen.len() > MAX_FACTS {
            return Vec::new();
        }
        // Each closing group is checked as the scope it was embedded in
        // (`c`), less the embedded unification it is part of (`exclude`),
        // whose other operands do not count; its own declarations do.
        let mut scopes: Vec<(u32, Option<u32>, u32)> = Vec::new();
        for &g in &facts.seen {
            if !matches!(self.group(g).kind, GroupKind::Def | GroupKind::Close)
                || !facts
                    .structs
                    .iter()
                    .any(|&s| self.within_facts(facts, s, g))
            {
                continue;
            }
            let mut c = g;
            let mut exclude = None;
            // The operand of the unification that `g` is part of.
            let mut operand = g;
            let mut steps = 0;
            while self.group(c).embed && steps < 10_000 {
                let up = self.group(c).parent;
                if exclude.is_none() && self.group(up).and_unit {
                    exclude = Some(up);
                    operand = c;
                }
                c = up;
                steps += 1;
            }
            let key = match exclude {
                Some(_) => (c, exclude, operand),
                None => (c, None, c),
            };
            if !scopes.contains(&key) {
                scopes.push(key);
            }
        }
        let mut out = Vec::new();
        for (c, exclude, own) in scopes {
            let inside = |ev: &Self, x: u32| {
                ev.within_facts(facts, x, own)
                    || (ev.within_facts(facts, x, c)
                        && exclude.is_none_or(|e| !ev.within_facts(facts, x, e)))
            };
            if facts.open.iter().any(|&g| inside(self, g)) {
                continue;
            }
            for label in labels {
                self.tick();
                if out.contains(label) {
                    continue;
                }
                let declared = facts
                    .fields
                    .iter()
                    .any(|(g, l)| l == label && inside(self, *g));
                if declared {
                    continue;
                }
                let Label::Field(name) = label else { continue };
                let lv = Value::String(name.clone());
                let patterns: Vec<Value> = facts
                    .patterns
                    .iter()
                    .filter(|(g, _)| inside(self, *g))
                    .map(|(_, p)| p.clone())
                    .collect();
                if patterns.iter().any(|p| self.matches_pattern(p, &lv)) {
                    continue;
                }
                out.push(label.clone());
            }
        }
        out
    }
}
