import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { DEFAULT_LIMITS, extract, type ExtractedPage } from '../src/extract/extract.ts';
import { inspectAttachment, type Inspection } from '../src/extract/inspect.ts';
import { docx, ods, odt, validIins, xlsx, xlsxBomb, zipOf } from './helpers/office-fixtures.ts';

/** The pages extract() read from `file` (inspectAttachment's offsets are into them). */
async function pagesOf(file: string, limits = DEFAULT_LIMITS): Promise<ExtractedPage[]> {
  const extraction = await extract(file, limits);
  assert.ok(extraction.inspected, `inspected: ${JSON.stringify(extraction)}`);
  return extraction.pages;
}

/** The findings of a category: page and the digits of the value found. */
function found(inspection: Inspection, pages: ExtractedPage[], category: string): { page: number; value: string }[] {
  assert.ok(inspection.inspected, `inspected: ${JSON.stringify(inspection)}`);
  return inspection.findings
    .filter((f) => f.category === category)
    .map((f) => ({ page: f.page, value: pages[f.page - 1]!.text.slice(f.start, f.end).replace(/\D/g, '') }));
}

const reason = async (file: string, limits = DEFAULT_LIMITS) =>
  ((await inspectAttachment(file, limits)) as { reason?: string }).reason;

/** Office documents the tests make themselves (test/helpers/office-fixtures.ts), zipped by Debian's zip. */
describe('attachments: office documents (DOCX, XLSX, ODT, ODS) read inside their zip', () => {
  let dir: string;
  const at = (name: string) => path.join(dir, name);

  before(() => {
    dir = mkdtempSync(path.join(os.tmpdir(), 'agw-extract-office-test-'));
  });
  after(() => rmSync(dir, { recursive: true, force: true }));

  it('an XLSX staff list of 1,000: every IIN (text cells, shared strings) on page 1, the second sheet page 2', async () => {
    const iins = validIins(1001);
    const [staff, head] = [iins.slice(0, 1000), iins[1000]!];
    const surnames = ['Ахметова', 'Серікбаев', 'Нурланов', 'Иванова', 'Жумабекова', 'Ким', 'Оспанов'];
    const names = ['Айгерим', 'Ерлан', 'Арман', 'Мария', 'Дана', 'Виктор', 'Асель'];
    const rows = staff.map((iin, k) => [
      k + 1,
      `${surnames[k % 7]} ${names[(k * 3) % 7]}`,
      iin,
      'Бухгалтерия',
      250_000.5,
    ]);
    xlsx(at('staff.xlsx'), [
      { name: 'Сотрудники', rows: [['№', 'ФИО', 'ИИН', 'Отдел', 'Оклад'], ...rows] },
      { name: 'Руководство', rows: [['Директор', { inline: `Оспанов Ерлан, ИИН ${head}` }]] },
    ]);
    const [inspection, pages] = [await inspectAttachment(at('staff.xlsx')), await pagesOf(at('staff.xlsx'))];
    assert.ok(inspection.inspected);
    assert.deepEqual([inspection.pages, inspection.ocrPages], [2, 0]);
    const iin = found(inspection, pages, 'IIN');
    assert.deepEqual(
      iin.filter((f) => f.page === 1).map((f) => f.value),
      staff,
    );
    assert.deepEqual(
      iin.filter((f) => f.page !== 1),
      [{ page: 2, value: head }],
    );
    const lines = pages[0]!.text.split('\n');
    assert.equal(lines.length, 1001);
    assert.equal(lines[1], `1\tАхметова Айгерим\t${staff[0]}\tБухгалтерия\t250000.5`);
    assert.equal(pages[1]!.text, `Директор\tОспанов Ерлан, ИИН ${head}`);
  });

  it("an XLSX's sheets come in the workbook's order, not its files' names", async () => {
    xlsx(at('reordered.xlsx'), [
      { name: 'Итоги', rows: [['итоги']], file: 'sheet3.xml' },
      { name: 'Январь', rows: [['январь']], file: 'sheet1.xml' },
      { name: 'Февраль', rows: [['февраль']], file: 'sheet2.xml' },
    ]);
    assert.deepEqual(
      (await pagesOf(at('reordered.xlsx'))).map((p) => [p.page, p.text]),
      [
        [1, 'итоги'],
        [2, 'январь'],
        [3, 'февраль'],
      ],
    );
  });

  it('a DOCX medical certificate in Russian: the IIN (split across runs, as Word saves it) and the diagnosis', async () => {
    docx(at('certificate.docx'), {
      header: 'ГКП на ПХВ «Городская поликлиника № 5»',
      body: [
        ['СПРАВКА № 112'],
        ['о временной нетрудоспособности'],
        ['Пациент:\tАхметова Айгерим Сериковна'],
        ['ИИН ', '9401', '01300123'],
        ['Диагноз: ', 'пневмония, J18.9.', '\n', 'Освобождена от работы с 12.03 по 19.03.'],
        { table: [['Врач', 'Садыкова Г. М.']] },
      ],
      footer: 'Справка выдана по месту требования',
    });
    const [inspection, pages] = [
      await inspectAttachment(at('certificate.docx')),
      await pagesOf(at('certificate.docx')),
    ];
    assert.equal(pages.length, 1);
    assert.deepEqual(pages[0]!.text.split('\n'), [
      'ГКП на ПХВ «Городская поликлиника № 5»',
      'СПРАВКА № 112',
      'о временной нетрудоспособности',
      'Пациент:\tАхметова Айгерим Сериковна',
      'ИИН 940101300123',
      'Диагноз: пневмония, J18.9.',
      'Освобождена от работы с 12.03 по 19.03.',
      'Врач\tСадыкова Г. М.',
      'Справка выдана по месту требования',
    ]);
    assert.deepEqual(found(inspection, pages, 'IIN'), [{ page: 1, value: '940101300123' }]);
    assert.ok(found(inspection, pages, 'HEALTH').length > 0, 'a HEALTH finding');
  });

  it('an ODT in Kazakh: the IIN (ЖСН) found; spaces, tabs, the table and the page header read', async () => {
    odt(
      at('anyqtama.odt'),
      [
        { heading: 'Анықтама' },
        'Қызметкер:  Серікбаев Ерлан Болатұлы',
        'ЖСН 811201401188, лауазымы:\tбас есепші',
        { table: [['Бөлім', 'Қаржы бөлімі']] },
      ],
      '«Сенім» ЖШС',
    );
    const [inspection, pages] = [await inspectAttachment(at('anyqtama.odt')), await pagesOf(at('anyqtama.odt'))];
    assert.deepEqual(pages[0]!.text.split('\n'), [
      'Анықтама',
      'Қызметкер:  Серікбаев Ерлан Болатұлы',
      'ЖСН 811201401188, лауазымы:\tбас есепші',
      'Бөлім\tҚаржы бөлімі',
      '«Сенім» ЖШС',
    ]);
    assert.deepEqual(found(inspection, pages, 'IIN'), [{ page: 1, value: '811201401188' }]);
  });

  it("an ODS: a sheet a page, a repeated cell repeated, LibreOffice's trailing empty cells and rows no text", async () => {
    ods(at('list.ods'), [
      {
        name: 'Тізім',
        rows: [
          ['Аты', '', 'ЖСН'],
          ['Дана', { text: '', repeat: 2 }, '811201401188', { text: 'иә', repeat: 2 }],
        ],
      },
      { name: 'Sheet2', rows: [['x']] },
    ]);
    assert.deepEqual(
      (await pagesOf(at('list.ods'))).map((p) => p.text),
      ['Аты\t\tЖСН\nДана\t\t\t811201401188\tиә\tиә', 'x'],
    );
  });

  it('a zip that is not an office document, a corrupt zip and broken XML: not inspected, each with its reason', async () => {
    zipOf(at('photos.zip'), { 'readme.txt': 'holiday photos', 'content/photo.txt': 'not a photo' });
    writeFileSync(
      at('corrupt.docx'),
      Buffer.concat([Buffer.from('PK\u0003\u0004', 'latin1'), Buffer.alloc(4000, 0x5a)]),
    );
    zipOf(at('broken.docx'), { 'word/document.xml': '<w:document xmlns:w="x"><w:body><w:p><w:t>ИИН 940101300123' });
    assert.equal(await reason(at('photos.zip')), 'a zip archive that is not a DOCX, XLSX or ODT document');
    assert.equal(await reason(at('corrupt.docx')), 'an unreadable office document');
    assert.equal(await reason(at('broken.docx')), 'an unreadable office document');
  });

  it('a zip bomb (a 50 MB sheet in a small file) is refused by its declared size, before it is inflated', async () => {
    xlsxBomb(at('bomb.xlsx'), [50 * 1024 * 1024]);
    const limits = { ...DEFAULT_LIMITS, maxBytes: 1024 * 1024 };
    assert.equal(
      await reason(at('bomb.xlsx'), limits),
      `too large when unpacked: the limit is ${20 * 1024 * 1024} bytes`,
    );
  });

  it('bytes inflated are counted across entries, and reading ends at the time limit', async () => {
    xlsxBomb(at('two-sheets.xlsx'), [12 * 1024 * 1024, 12 * 1024 * 1024]);
    const limits = { ...DEFAULT_LIMITS, maxBytes: 1024 * 1024 };
    assert.equal(
      await reason(at('two-sheets.xlsx'), limits),
      `too large when unpacked: the limit is ${20 * 1024 * 1024} bytes`,
    );
    assert.equal(
      await reason(at('two-sheets.xlsx'), { ...DEFAULT_LIMITS, timeoutMs: 50 }),
      'timed out: the limit is 50 ms',
    );
  });
});
