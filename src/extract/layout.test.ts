import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { boxesOf, fromPdfBboxLayout, fromTesseractTsv } from './layout.ts';

// as tesseract 5 prints it for a 1000 × 500 scan: a page, a block of two lines, then a second block
const TSV = [
  'level\tpage_num\tblock_num\tpar_num\tline_num\tword_num\tleft\ttop\twidth\theight\tconf\ttext',
  '1\t1\t0\t0\t0\t0\t0\t0\t1000\t500\t-1\t',
  '2\t1\t1\t0\t0\t0\t100\t100\t400\t100\t-1\t',
  '5\t1\t1\t1\t1\t1\t100\t100\t100\t50\t96.4\tСправка',
  '5\t1\t1\t1\t2\t1\t100\t150\t50\t50\t91.0\tИИН',
  '5\t1\t1\t1\t2\t2\t200\t150\t300\t50\t95.2\t940101300123',
  '5\t1\t1\t1\t2\t3\t520\t150\t10\t50\t12.0\t ',
  '5\t1\t2\t1\t1\t1\t100\t300\t200\t50\t93.1\tДиагноз',
  '',
].join('\n');

const XHTML = `<!DOCTYPE html PUBLIC "-//W3C//DTD XHTML 1.0 Transitional//EN" "http://www.w3.org/TR/xhtml1/DTD/xhtml1-transitional.dtd"><html xmlns="http://www.w3.org/1999/xhtml">
<head>
</head>
<body>
<doc>
  <page width="600.000000" height="800.000000">
    <flow>
      <block xMin="60" yMin="80" xMax="300" yMax="120">
        <line xMin="60" yMin="80" xMax="300" yMax="100">
          <word xMin="60" yMin="80" xMax="120" yMax="100">R&amp;D</word>
          <word xMin="130" yMin="80" xMax="300" yMax="100">940101300123</word>
        </line>
        <line xMin="60" yMin="100" xMax="120" yMax="120">
          <word xMin="60" yMin="100" xMax="120" yMax="120">Ivanov</word>
        </line>
      </block>
    </flow>
  </page>
</doc>
</body>
</html>`;

describe('page layouts: text built from words, each word placed on the page', () => {
  it("tesseract's TSV: lines by a line break, blocks by a blank line, blank words dropped, boxes as fractions", () => {
    const layout = fromTesseractTsv(TSV);
    assert.equal(layout.text, 'Справка\nИИН 940101300123\n\nДиагноз');
    const start = layout.text.indexOf('940101300123');
    assert.deepEqual(boxesOf(layout.words, start, start + 12), [[0.2, 0.3, 0.5, 0.4]]);
    assert.deepEqual(
      layout.words.map((w) => layout.text.slice(w.start, w.end)),
      ['Справка', 'ИИН', '940101300123', 'Диагноз'],
    );
  });
  it("poppler's bbox layout: entities decoded, page size in points, a span over two words gets both boxes", () => {
    const layout = fromPdfBboxLayout(XHTML);
    assert.equal(layout.text, 'R&D 940101300123\nIvanov');
    assert.deepEqual(boxesOf(layout.words, 4, 16), [[130 / 600, 0.1, 0.5, 0.125]]);
    assert.equal(boxesOf(layout.words, 0, layout.text.length).length, 3);
    assert.deepEqual(boxesOf(layout.words, 16, 17), [], 'a line break touches no word');
  });
  it('an empty page has no text and no words', () => {
    assert.deepEqual(fromTesseractTsv(TSV.split('\n').slice(0, 2).join('\n')), { text: '', words: [] });
    assert.deepEqual(fromPdfBboxLayout('<doc><page width="10" height="10"><flow/></page></doc>'), {
      text: '',
      words: [],
    });
  });
});
