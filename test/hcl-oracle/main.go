// Reads a JSON array of HCL texts on stdin; prints, for each, the hclsyntax parse as a tree in the
// shape of src/hcl/types.ts (byte offsets), or the first error.
package main

import (
	"encoding/json"
	"fmt"
	"math/big"
	"os"
	"sort"
	"strings"

	"github.com/hashicorp/hcl/v2"
	"github.com/hashicorp/hcl/v2/hclsyntax"
	"github.com/zclconf/go-cty/cty"
)

type M = map[string]interface{}

var source []byte
var nested bool

func step(t hcl.Traverser) string {
	switch s := t.(type) {
	case hcl.TraverseRoot:
		return s.Name
	case hcl.TraverseAttr:
		return s.Name
	case hcl.TraverseIndex:
		if s.Key.Type() == cty.Number {
			f := s.Key.AsBigFloat()
			return "[" + f.Text('f', -1) + "]"
		}
		if s.Key.Type() == cty.String {
			b, _ := json.Marshal(s.Key.AsString())
			return "[" + string(b) + "]"
		}
		return "[?]"
	}
	return "?"
}

func path(tr hcl.Traversal) []string {
	out := []string{}
	for _, t := range tr {
		out = append(out, step(t))
	}
	return out
}

// splatPath: a splat over a static traversal, as one path with "*".
func splatPath(e hclsyntax.Expression) ([]string, bool) {
	switch x := e.(type) {
	case *hclsyntax.ScopeTraversalExpr:
		return path(x.Traversal), true
	case *hclsyntax.SplatExpr:
		src, ok := splatPath(x.Source)
		if !ok {
			return nil, false
		}
		src = append(src, "*")
		rest, ok := eachPath(x.Each)
		if !ok {
			return nil, false
		}
		return append(src, rest...), true
	case *hclsyntax.RelativeTraversalExpr:
		src, ok := splatPath(x.Source)
		if !ok {
			return nil, false
		}
		return append(src, path(x.Traversal)...), true
	}
	return nil, false
}

func eachPath(e hclsyntax.Expression) ([]string, bool) {
	switch x := e.(type) {
	case *hclsyntax.AnonSymbolExpr:
		return []string{}, true
	case *hclsyntax.RelativeTraversalExpr:
		src, ok := eachPath(x.Source)
		if !ok {
			return nil, false
		}
		return append(src, path(x.Traversal)...), true
	case *hclsyntax.SplatExpr:
		src, ok := eachPath(x.Source)
		if !ok {
			return nil, false
		}
		src = append(src, "*")
		rest, ok := eachPath(x.Each)
		if !ok {
			return nil, false
		}
		return append(src, rest...), true
	}
	return nil, false
}

func rng(r hcl.Range) []int { return []int{r.Start.Byte, r.End.Byte} }

func num(v cty.Value) interface{} {
	f, _ := v.AsBigFloat().Float64()
	_ = big.NewFloat
	return f
}

// flat template parts: literals, {"expr"} for interpolations, "%if" etc. for directives
func tplBody(e hclsyntax.Expression, out *[]interface{}) {
	if t, ok := e.(*hclsyntax.TemplateExpr); ok {
		for _, p := range t.Parts {
			tplPart(p, out)
		}
		return
	}
	tplPart(e, out)
}

func tplPart(e hclsyntax.Expression, out *[]interface{}) {
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		if x.Val.Type() == cty.String {
			*out = append(*out, x.Val.AsString())
			return
		}
	case *hclsyntax.TemplateJoinExpr:
		if f, ok := x.Tuple.(*hclsyntax.ForExpr); ok {
			*out = append(*out, "%for")
			tplBody(f.ValExpr, out)
			*out = append(*out, "%endfor")
			return
		}
	case *hclsyntax.ConditionalExpr:
		if strings.HasPrefix(string(source[x.SrcRange.Start.Byte:]), "%{") {
			*out = append(*out, "%if")
			tplBody(x.TrueResult, out)
			*out = append(*out, "%else")
			tplBody(x.FalseResult, out)
			*out = append(*out, "%endif")
			return
		}
	}
	*out = append(*out, M{"expr": expr(e)})
}

func refs(e hclsyntax.Expression) []interface{} {
	out := []interface{}{}
	vars := hclsyntax.Variables(e)
	sort.SliceStable(vars, func(i, j int) bool { return vars[i].SourceRange().Start.Byte < vars[j].SourceRange().Start.Byte })
	for _, v := range vars {
		out = append(out, M{"root": v.RootName(), "start": v.SourceRange().Start.Byte})
	}
	return out
}

func expr(e hclsyntax.Expression) M {
	r := rng(e.Range())
	switch x := e.(type) {
	case *hclsyntax.LiteralValueExpr:
		switch {
		case x.Val.IsNull():
			return M{"kind": "null", "range": r}
		case x.Val.Type() == cty.Bool:
			return M{"kind": "bool", "value": x.Val.True(), "range": r}
		case x.Val.Type() == cty.Number:
			return M{"kind": "number", "value": num(x.Val), "range": r}
		}
	case *hclsyntax.UnaryOpExpr:
		if lit, ok := x.Val.(*hclsyntax.LiteralValueExpr); ok && x.Op == hclsyntax.OpNegate && lit.Val.Type() == cty.Number && !lit.Val.IsNull() {
			f, _ := lit.Val.AsBigFloat().Float64()
			return M{"kind": "number", "value": -f, "range": r}
		}
	case *hclsyntax.TemplateExpr:
		if x.IsStringLiteral() {
			v, _ := x.Value(nil)
			return M{"kind": "string", "value": v.AsString(), "range": r}
		}
		parts := []interface{}{}
		tplBody(x, &parts)
		return M{"kind": "template", "parts": parts, "range": r}
	case *hclsyntax.TemplateWrapExpr:
		return M{"kind": "template", "parts": []interface{}{M{"expr": expr(x.Wrapped)}}, "range": r}
	case *hclsyntax.ScopeTraversalExpr:
		return M{"kind": "ref", "path": path(x.Traversal), "range": r}
	case *hclsyntax.SplatExpr:
		if p, ok := splatPath(x); ok {
			return M{"kind": "ref", "path": p, "range": r}
		}
	case *hclsyntax.RelativeTraversalExpr:
		if p, ok := splatPath(x); ok {
			return M{"kind": "ref", "path": p, "range": r}
		}
	case *hclsyntax.TupleConsExpr:
		items := []interface{}{}
		for _, i := range x.Exprs {
			items = append(items, expr(i))
		}
		return M{"kind": "tuple", "items": items, "range": r}
	case *hclsyntax.ObjectConsExpr:
		items := []interface{}{}
		for _, i := range x.Items {
			k := i.KeyExpr.(*hclsyntax.ObjectConsKeyExpr)
			var key interface{}
			if !k.ForceNonLiteral {
				if st, ok := k.Wrapped.(*hclsyntax.ScopeTraversalExpr); ok && len(st.Traversal) == 1 {
					key = st.Traversal.RootName()
				}
			}
			if t, ok := k.Wrapped.(*hclsyntax.TemplateExpr); ok && t.IsStringLiteral() {
				v, _ := t.Value(nil)
				key = v.AsString()
			}
			items = append(items, M{"key": key, "value": expr(i.ValueExpr), "keyRange": rng(k.Wrapped.Range())})
		}
		return M{"kind": "object", "items": items, "range": r}
	}
	return M{"kind": "other", "range": r, "refs": refs(e)}
}

func body(b *hclsyntax.Body) []interface{} {
	type item struct {
		start int
		v     M
	}
	items := []item{}
	for _, a := range b.Attributes {
		items = append(items, item{a.SrcRange.Start.Byte, M{"kind": "attribute", "name": a.Name, "range": rng(a.SrcRange), "value": expr(a.Expr)}})
	}
	for _, bl := range b.Blocks {
		labels := []interface{}{}
		for i, l := range bl.Labels {
			labels = append(labels, M{"value": l, "range": rng(bl.LabelRanges[i])})
		}
		end := bl.CloseBraceRange.End.Byte
		items = append(items, item{bl.TypeRange.Start.Byte, M{"kind": "block", "type": bl.Type, "labels": labels, "open": bl.OpenBraceRange.Start.Byte, "range": []int{bl.TypeRange.Start.Byte, end}, "body": body(bl.Body)}})
	}
	sort.Slice(items, func(i, j int) bool { return items[i].start < items[j].start })
	out := []interface{}{}
	for _, i := range items {
		out = append(out, i.v)
	}
	return out
}

func main() {
	var inputs []string
	if err := json.NewDecoder(os.Stdin).Decode(&inputs); err != nil {
		panic(err)
	}
	results := []interface{}{}
	for _, in := range inputs {
		func() {
			defer func() {
				if r := recover(); r != nil {
					results = append(results, M{"panic": fmt.Sprint(r)})
				}
			}()
			source = []byte(in)
			f, diags := hclsyntax.ParseConfig(source, "x.tf", hcl.InitialPos)
			if diags.HasErrors() {
				d := diags[0]
				off := -1
				if d.Subject != nil {
					off = d.Subject.Start.Byte
				}
				results = append(results, M{"error": strings.TrimSpace(d.Summary), "offset": off})
				return
			}
			results = append(results, M{"items": body(f.Body.(*hclsyntax.Body))})
		}()
	}
	json.NewEncoder(os.Stdout).Encode(results)
}
